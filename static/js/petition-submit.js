/* The petition submit form (petitions/public/submit_form.html): the accused person's box shows
 * only for 检举控告 (or when it holds an error), the postal address only for a named petition.
 * The form names the accusation's value in data-accusation. */
(function () {
  "use strict";
  var form = document.getElementById("submit-form");
  if (!form) {
    return;
  }
  function sync() {
    var type = form.querySelector('input[name="ptype"]:checked');
    var mode = form.querySelector('input[name="mode"]:checked');
    var accused = document.getElementById("accused-box");
    var address = document.getElementById("address-box");
    accused.hidden = !(type && type.value === form.dataset.accusation) && !accused.querySelector(".invalid-feedback");
    address.hidden = !!(mode && mode.value === "anonymous");
  }
  form.addEventListener("change", sync);
  sync();
})();
