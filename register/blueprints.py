"""The blueprints the app registers: one module per capability, each exposing `bp`."""

BLUEPRINT_MODULES = (
    "register.auth.routes",
    "register.declarations.routes",
    "register.admin.routes",
    "register.review.routes",
    "register.audit.routes",
    "register.completeness.routes",
    "register.exports.routes",
    "register.public.routes",
    "register.public.admin",
    "register.api.routes",
    "register.api.tokens",
    "register.awards.routes",
    "register.ownership.routes",
)
