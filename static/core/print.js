/* A "Print" button on printable pages (posters): no inline handler, so it runs under the CSP. */
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
