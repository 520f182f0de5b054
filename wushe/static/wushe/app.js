// Wushe page behaviour. No inline scripts anywhere (CSP), so every handler lives here.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle='nav']");
    if (toggle) {
      var nav = document.getElementById("nav");
      if (nav) { nav.classList.toggle("open"); }
      return;
    }
    // Region tree: the first click loads children through htmx; later clicks fold and unfold.
    var node = event.target.closest("[data-tree-toggle]");
    if (node) {
      var list = node.parentElement.querySelector(":scope > ul");
      var open = node.getAttribute("aria-expanded") === "true";
      node.setAttribute("aria-expanded", open ? "false" : "true");
      if (list) { list.hidden = open; }
      if (node.dataset.loaded) { event.preventDefault(); event.stopImmediatePropagation(); }
      node.dataset.loaded = "1";
      return;
    }
    var confirmable = event.target.closest("[data-confirm]");
    if (confirmable && !window.confirm(confirmable.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
})();
