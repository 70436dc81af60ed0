// The idle warning (issue 21, item 8), loaded on every page with `defer`.
//
// The session ends after SESSION_IDLE_TIMEOUT_MINUTES without a request. A request slides
// the end only when the session was last saved data-session-touch-seconds ago or more
// (tverrnett/accounts/sessions.py), so after a request the end lies between the timeout
// minus that and the full timeout. base.html gives a logged-in page the timeout
// (data-session-seconds on <body>), when to warn (data-session-warning-seconds) and the
// touch interval. The clock restarts at each page load and htmx request, in any tab (the
// last one is shared through localStorage: a time, nothing personal). The <dialog> asking
// "Forbli innlogget?" opens before the earliest end; its button POSTs to the keep-alive
// view (204, which always slides) and restarts the clock. Only after the latest end does
// the page go to the login page with ?tidsavbrudd=1, which says why (going earlier would
// be a request that keeps the session alive); drafts.js has kept what the user typed.
(function () {
  "use strict";

  var body = document.body;
  var seconds = Number(body.dataset.sessionSeconds);
  var warning = Number(body.dataset.sessionWarningSeconds);
  var touch = Number(body.dataset.sessionTouchSeconds) || 0;
  var dialog = document.querySelector("[data-session-dialog]");
  if (!seconds || dialog === null) {
    return;
  }
  var form = dialog.querySelector("[data-keep-alive]");
  var ACTIVITY_KEY = "tn-session-activity";
  // The server counts from the request; the page from a moment later. A little slack,
  // so the page never declares the session over while the server still keeps it.
  var SLACK_MS = 5000;
  var lastHere = Date.now();
  var timer = null;

  function lastActivity() {
    var shared = 0;
    try {
      shared = Number(window.localStorage.getItem(ACTIVITY_KEY)) || 0;
    } catch (error) {
      shared = 0;
    }
    return Math.max(lastHere, shared);
  }

  function activity() {
    lastHere = Date.now();
    try {
      window.localStorage.setItem(ACTIVITY_KEY, String(lastHere));
    } catch (error) {
      // Without storage each tab keeps its own clock.
    }
    check();
  }

  function close() {
    if (dialog.open) {
      dialog.close();
    }
  }

  function ended() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(
      body.dataset.loginUrl + "?tidsavbrudd=1&next=" + encodeURIComponent(next)
    );
  }

  function check() {
    window.clearTimeout(timer);
    var now = Date.now();
    var end = lastActivity() + seconds * 1000 + SLACK_MS;
    // Warn before the earliest end the server may have.
    var warnAt = end - SLACK_MS - (touch + warning) * 1000;
    if (now >= end) {
      ended();
      return;
    }
    if (now >= warnAt) {
      if (!dialog.open) {
        dialog.showModal();
        // Focus on the one thing to do.
        form.querySelector("button").focus();
      }
      timer = window.setTimeout(check, end - now);
    } else {
      close();
      timer = window.setTimeout(check, warnAt - now);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window
      .fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        // A 302 to the login page means the session is already gone.
        redirect: "manual",
      })
      .then(function (response) {
        if (response.status === 204) {
          close();
          activity();
        } else {
          ended();
        }
      })
      .catch(function () {
        // No answer (offline): try again with the next click; the clock runs on.
      });
  });

  // Escape closes the dialog without keeping the session alive; the clock runs on.
  window.addEventListener("storage", function (event) {
    if (event.key === ACTIVITY_KEY) {
      check();
    }
  });
  document.addEventListener("htmx:afterRequest", activity);
  activity();
})();
