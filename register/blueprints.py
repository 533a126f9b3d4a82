"""What each capability adds to the app: its blueprints (modules exposing `bp`) and its command
groups (modules with `init_app(app)`, as flaskr's `db.init_app` registers `init-db`)."""

BLUEPRINT_MODULES = (
    "register.auth.routes",
    "register.auth.two_factor_routes",
    "register.auth.two_factor_admin",
    "register.declarations.routes",
    "register.admin.routes",
    "register.admin.approval_routes",
    "register.review.routes",
    "register.cases.routes",
    "register.audit.routes",
    "register.completeness.routes",
    "register.exports.routes",
    "register.public.routes",
    "register.public.admin",
    "register.api.routes",
    "register.api.tokens",
    "register.api.account",
    "register.awards.routes",
    "register.ownership.routes",
    "register.officials.routes",
    "register.procurement.routes",
    "register.procurement.link_routes",
)

CLI_MODULES = (
    "register.admin.cli",
    "register.audit.cli",
    "register.awards.cli",
    "register.screening.cli",
    "register.ownership.cli",
    "register.notify.cli",
    "register.completeness.cli",
    "register.exports.cli",
    "register.demo.cli",
    "register.procurement.cli",
)
