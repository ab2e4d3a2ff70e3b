/* accounts: copy and print buttons of the two-factor pages (no inline script: CSP).
 *
 *   <button data-copy-target="#id" data-copied="已复制">   copies the element's text
 *   <button data-print>                                      prints the page (recovery codes)
 */
(function () {
  "use strict";

  function textOf(element) {
    var items = element.querySelectorAll("li");
    if (items.length) {
      return Array.prototype.map.call(items, function (li) { return li.textContent.trim(); }).join("\n");
    }
    return element.textContent.replace(/\s+/g, "");
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy-target], [data-print]") : null;
    if (!button) {
      return;
    }
    if (button.hasAttribute("data-print")) {
      window.print();
      return;
    }
    var source = document.querySelector(button.dataset.copyTarget);
    if (!source || !navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(textOf(source)).then(function () {
      if (button.dataset.copied) {
        button.textContent = button.dataset.copied;
      }
    });
  });
})();
