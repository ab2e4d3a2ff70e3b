/* tongxin: site-wide behaviours, declared in templates by data- attributes.
 *
 * The Content-Security-Policy (script-src 'self') forbids inline <script> blocks and on*=
 * attributes, so pages say what they need and this file, loaded by base.html, does it:
 *
 *   <button data-confirm="确定撤销该角色？">   asks first; Cancel stops the click (and the submit)
 *   <select data-autosubmit>                   submits its form when the choice changes
 *   <form data-submit-once>                    a second submit (double tap on a slow network) is ignored
 *   <button data-tx-tree="open|close">         opens or closes every <details> of .tx-tree
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
    if (target && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    // After this turn, so that the clicked button's name and value are still sent.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-tx-tree]") : null;
    if (!button) {
      return;
    }
    var open = button.dataset.txTree === "open";
    document.querySelectorAll(".tx-tree details").forEach(function (d) { d.open = open; });
  });
})();
