// Conditional reveal for radios in GOV.UK markup (templates/review/_macros.html reveal_radios):
// the panel under the checked radio is shown, the others hidden. Unlike govuk-frontend's radios
// module it sets no aria-expanded, which ARIA does not allow on a radio (axe aria-allowed-attr,
// a known govuk-frontend issue, alphagov/govuk-frontend#979); aria-controls names the panel.
// Without JavaScript every panel is shown (the hiding class only applies to supported browsers).
for (const group of document.querySelectorAll('[data-register-reveal]')) {
  const inputs = Array.from(group.querySelectorAll('input[type="radio"]'))
  const sync = () => {
    for (const input of inputs) {
      const panel = input.getAttribute('aria-controls') && document.getElementById(input.getAttribute('aria-controls'))
      if (panel) panel.classList.toggle('govuk-radios__conditional--hidden', !input.checked)
    }
  }
  for (const input of inputs) input.addEventListener('change', sync)
  sync()
}
