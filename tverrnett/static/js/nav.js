// The main menu on phones (issue 21, item 13), loaded on every page with `defer`.
// Below about 600 px (tverrnett.css) the links fold behind a "Meny" button; this script
// marks the menu ready (data-nav-ready), so without JS every link still shows.
(function () {
  "use strict";

  var nav = document.querySelector("[data-nav]");
  if (nav === null) {
    return;
  }
  var button = nav.querySelector("[data-nav-toggle]");
  var list = document.getElementById(button.getAttribute("aria-controls"));
  if (list === null) {
    return;
  }

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      nav.setAttribute("data-open", "");
    } else {
      nav.removeAttribute("data-open");
    }
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });

  // Escape closes the open menu and gives focus back to its button.
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });

  setOpen(false);
  nav.setAttribute("data-nav-ready", "");
})();

// "On this page" (issue 21, item 12): lists the sections of the page part marked
// [data-section-menu-scope] (each a <section aria-labelledby> whose heading has an id),
// so a section added later is in the menu too. Open beside the page on wide screens,
// folded at the top on phones. Without JS the menu stays hidden; the page is the same.
(function () {
  "use strict";

  var WIDE = window.matchMedia("(min-width: 60rem)");

  document.querySelectorAll("[data-section-menu-scope]").forEach(function (scope) {
    var menu = scope.querySelector("[data-section-menu]");
    if (menu === null) {
      return;
    }
    var list = menu.querySelector("[data-section-menu-list]");
    scope.querySelectorAll("section[aria-labelledby]").forEach(function (section) {
      // Only the page's own sections, not one inside another.
      if (section.parentElement.closest("section") !== null) {
        return;
      }
      var heading = document.getElementById(section.getAttribute("aria-labelledby").split(" ")[0]);
      if (heading === null || !heading.textContent.trim()) {
        return;
      }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.className = "ds-link";
      link.href = "#" + heading.id;
      link.textContent = heading.textContent.replace(/\s+/g, " ").trim();
      item.appendChild(link);
      list.appendChild(item);
    });
    if (list.children.length < 2) {
      return;
    }
    var details = menu.querySelector("details");
    details.open = WIDE.matches;
    WIDE.addEventListener("change", function () {
      details.open = WIDE.matches;
    });
    // On a phone the menu folds again once a link has taken the reader to a section.
    list.addEventListener("click", function (event) {
      if (event.target.closest("a") !== null && !WIDE.matches) {
        details.open = false;
      }
    });
    menu.hidden = false;
  });
})();
