// Never lose typed work (issue 21, item 8), loaded on every page with `defer`.
//
// What the user types into an edit form is kept in this tab's sessionStorage, keyed by
// the form's action URL, so a session that ends while they type costs nothing: the
// login page says why (access.middleware adds ?tidsavbrudd=1), and after logging in
// the user lands on the same form with the fields filled in again.
//
// - Which forms: every POST form with class tn-form (the main edit forms), and any
//   form marked data-keep-draft; never one marked data-keep-draft="false" (login,
//   authenticator and password forms).
// - Never kept: passwords, one-time codes, files, hidden fields (the CSRF token) but
//   the version a save compares against, buttons.
// - Nothing is sent anywhere: the draft stays in sessionStorage, which the browser
//   empties when the tab closes. Logging out empties it too (the logout button, and
//   the login page after a logout: [data-clear-drafts]).
// - A submitted draft is forgotten on the next page, unless that page is the login
//   page after a timeout ([data-timed-out]): then the submit never arrived.
(function () {
  "use strict";

  var PREFIX = "tn-draft:";
  var SKIPPED_TYPES = ["hidden", "password", "file", "submit", "button", "reset", "image"];
  var SKIPPED_AUTOCOMPLETE = ["one-time-code", "current-password", "new-password"];

  var storage = null;
  try {
    storage = window.sessionStorage;
    storage.getItem(PREFIX);
  } catch (error) {
    // Storage turned off: the forms work as before, without drafts.
    return;
  }

  function draftKeys() {
    var keys = [];
    for (var i = 0; i < storage.length; i += 1) {
      var key = storage.key(i);
      if (key !== null && key.indexOf(PREFIX) === 0) {
        keys.push(key);
      }
    }
    return keys;
  }

  function read(key) {
    try {
      return JSON.parse(storage.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function write(key, draft) {
    try {
      storage.setItem(key, JSON.stringify(draft));
    } catch (error) {
      // Full: the form still works.
    }
  }

  // The action URL; a second form with the same action on the page gets "#2", and so on.
  function keyOf(form) {
    if (form.tnDraftKey) {
      return form.tnDraftKey;
    }
    var url = new URL(form.action, window.location.href);
    var key = PREFIX + url.pathname + url.search;
    var same = Array.prototype.filter.call(document.querySelectorAll("form"), function (other) {
      return new URL(other.action, window.location.href).href === url.href;
    });
    var index = same.indexOf(form);
    form.tnDraftKey = index > 0 ? key + "#" + (index + 1) : key;
    return form.tnDraftKey;
  }

  function keepsDraft(form) {
    if (form.dataset.keepDraft === "false") {
      return false;
    }
    if (form.hasAttribute("data-keep-draft")) {
      return true;
    }
    return form.classList.contains("tn-form") && form.method === "post";
  }

  // The version a save compares against (core/versions.py) goes with the draft: a draft
  // typed on an older version is sent with that version, so the save is refused as a
  // stale edit instead of quietly overwriting what someone else saved meanwhile.
  function isVersion(element) {
    return element.type === "hidden" && element.name === "version";
  }

  function kept(element) {
    if (!element.name || element.disabled) {
      return false;
    }
    if (isVersion(element)) {
      return true;
    }
    var tag = element.tagName.toLowerCase();
    if (tag !== "input" && tag !== "textarea" && tag !== "select") {
      return false;
    }
    var type = (element.type || "").toLowerCase();
    var autocomplete = (element.getAttribute("autocomplete") || "").toLowerCase();
    return SKIPPED_TYPES.indexOf(type) === -1 && SKIPPED_AUTOCOMPLETE.indexOf(autocomplete) === -1;
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, kept);
  }

  function valueOf(element) {
    var type = (element.type || "").toLowerCase();
    if (type === "checkbox" || type === "radio") {
      return { name: element.name, checked: element.checked };
    }
    if (type === "select-multiple") {
      return {
        name: element.name,
        values: Array.prototype.filter
          .call(element.options, function (option) { return option.selected; })
          .map(function (option) { return option.value; }),
      };
    }
    return { name: element.name, value: element.value };
  }

  function snapshot(form) {
    return fields(form).map(valueOf);
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function save(form, submitted) {
    var values = snapshot(form);
    var key = keyOf(form);
    if (!submitted && same(values, form.tnDraftOriginal)) {
      // Back to what the page showed: nothing to keep.
      storage.removeItem(key);
      return;
    }
    write(key, { values: values, submitted: Boolean(submitted) });
  }

  function fill(form, values) {
    var elements = fields(form);
    if (elements.length !== values.length) {
      return false;
    }
    var matches = elements.every(function (element, index) {
      return values[index] && values[index].name === element.name;
    });
    if (!matches) {
      // The form is not the one the draft was typed into any more.
      return false;
    }
    var changed = false;
    elements.forEach(function (element, index) {
      var value = values[index];
      if (isVersion(element)) {
        return;
      }
      if ("checked" in value) {
        if (element.checked !== value.checked) {
          element.checked = value.checked;
          changed = true;
        }
      } else if ("values" in value) {
        Array.prototype.forEach.call(element.options, function (option) {
          var selected = value.values.indexOf(option.value) !== -1;
          if (option.selected !== selected) {
            option.selected = selected;
            changed = true;
          }
        });
      } else if (element.value !== value.value) {
        element.value = value.value;
        changed = true;
      }
      // Counters and other listeners see the restored text.
      element.dispatchEvent(new Event("input", { bubbles: true }));
    });
    if (changed) {
      elements.forEach(function (element, index) {
        if (isVersion(element)) {
          element.value = values[index].value;
        }
      });
    }
    return changed;
  }

  // A status message above the form, from the <template> in base.html (translated there).
  function announce(form, key) {
    var template = document.getElementById("tn-draft-restored");
    if (template === null) {
      return;
    }
    var notice = template.content.firstElementChild.cloneNode(true);
    var text = notice.querySelector("[data-draft-text]");
    var message = text.textContent;
    text.textContent = "";
    form.parentNode.insertBefore(notice, form);
    // Filled in after the live region is in the page, so screen readers announce it.
    window.setTimeout(function () {
      text.textContent = message;
    }, 50);
    notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
      storage.removeItem(key);
      form.reset();
      // A hidden field's value is its default: put back the version the page came with.
      fields(form).forEach(function (element, index) {
        var original = form.tnDraftOriginal[index];
        if (isVersion(element) && original) {
          element.value = original.value;
        }
      });
      fields(form).forEach(function (element) {
        element.dispatchEvent(new Event("input", { bubbles: true }));
      });
      notice.remove();
      var first = fields(form)[0];
      if (first) {
        first.focus();
      }
    });
  }

  function setUp(root) {
    var forms = root.tagName === "FORM" ? [root] : root.querySelectorAll("form");
    Array.prototype.forEach.call(forms, function (form) {
      if (form.dataset.draftReady === "true" || !keepsDraft(form)) {
        return;
      }
      form.dataset.draftReady = "true";
      form.tnDraftOriginal = snapshot(form);
      var key = keyOf(form);
      var draft = read(key);
      if (draft && !draft.submitted && Array.isArray(draft.values)) {
        if (fill(form, draft.values)) {
          announce(form, key);
        }
      }
      form.addEventListener("input", function () { save(form, false); });
      form.addEventListener("change", function () { save(form, false); });
      form.addEventListener("submit", function () { save(form, true); });
    });
  }

  function clearAll() {
    draftKeys().forEach(function (key) { storage.removeItem(key); });
  }

  // What the last page's submits left behind.
  if (document.querySelector("[data-clear-drafts]") !== null) {
    clearAll();
  } else if (document.querySelector("[data-timed-out]") !== null) {
    // The session had ended: the submit never arrived. Keep it for after the login.
    var any = false;
    draftKeys().forEach(function (key) {
      var draft = read(key);
      if (draft) {
        draft.submitted = false;
        write(key, draft);
        any = true;
      }
    });
    var note = document.querySelector("[data-draft-note]");
    if (any && note !== null) {
      note.hidden = false;
    }
  } else {
    draftKeys().forEach(function (key) {
      var draft = read(key);
      if (!draft || draft.submitted) {
        storage.removeItem(key);
      }
    });
  }

  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute("data-logout")) {
      clearAll();
    }
  });

  setUp(document);
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) {
      setUp(event.target);
    }
  });
})();
