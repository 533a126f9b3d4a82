// Marks the page as JavaScript-enabled (GOV.UK Frontend's styles and components look for these
// classes; the GOV.UK template does it with an inline script, which our CSP does not allow),
// then starts the components.
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
