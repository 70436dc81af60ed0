// Forms (issue 21, item 9), loaded on every page with `defer`; no inline script (CSP).
// 1. The error summary (includes/form_errors.html, [data-error-summary]) gets focus when
//    the page loads, so a screen reader reads every error at once; its links move focus
//    to the field they name.
// 2. A textarea with a limit shows how many characters are left ([data-field=counter],
//    includes/field.html) while the user types. The server checks the limit either way.
// Both run again on content htmx swaps in.
(function () {
  "use strict";

  function focusSummary(root) {
    var summary = root.querySelector("[data-error-summary]");
    if (summary !== null) {
      summary.focus();
    }
  }

  // A link in the summary focuses its field (a fragment link alone only scrolls) and
  // scrolls the field's label into view with it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (link === null) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (field === null) {
      return;
    }
    event.preventDefault();
    var label = field.labels && field.labels.length ? field.labels[0] : null;
    var legend = field.closest("fieldset") ? field.closest("fieldset").querySelector("legend") : null;
    (legend || label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });

  // What the form's check counts: a line break is sent as \r\n, two characters.
  function length(text) {
    return text.replace(/\r?\n/g, "\r\n").length;
  }

  function update(counter, input) {
    var remaining = Number(counter.dataset.limit) - length(input.value);
    var over = remaining < 0;
    var count = Math.abs(remaining);
    var template = over
      ? (count === 1 ? counter.dataset.overOne : counter.dataset.overOther)
      : (count === 1 ? counter.dataset.underOne : counter.dataset.underOther);
    counter.textContent = template.replace("%(count)s", String(count));
    var live = document.querySelector('[data-counter-live="' + counter.id + '"]');
    if (over) {
      counter.dataset.state = "over";
      // Said aloud only while the text is too long, not at every key.
      if (live !== null) {
        live.textContent = counter.textContent;
      }
    } else {
      delete counter.dataset.state;
      if (live !== null) {
        live.textContent = "";
      }
    }
  }

  function setUpCounters(root) {
    root.querySelectorAll("[data-field=counter][data-limit]").forEach(function (counter) {
      var input = document.querySelector('[aria-describedby~="' + counter.id + '"]');
      if (input === null || input.dataset.counted === "true") {
        return;
      }
      input.dataset.counted = "true";
      input.addEventListener("input", function () {
        update(counter, input);
      });
      update(counter, input);
    });
  }

  function setUp(root) {
    setUpCounters(root);
    focusSummary(root);
  }

  setUp(document);
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) {
      setUp(event.target);
    }
  });
})();
