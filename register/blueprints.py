"""The blueprints the app registers: one module per capability, each exposing `bp`."""

BLUEPRINT_MODULES = (
    "register.auth.routes",
    "register.declarations.routes",
    "register.admin.routes",
)
