// The conversation planner (L23): show the interpreter language only while
// interpretation is ticked, and each reason only when the answer is not "yes".
// Without script every field shows, and the server checks the same rules.
(function () {
  "use strict";

  function wrapper(id) {
    var input = document.getElementById(id);
    return input ? input.closest(".tn-field") : null;
  }

  function checkedValue(name) {
    var checked = document.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function setUp(form) {
    var rules = [
      {
        target: wrapper("id_interpreter_language"),
        names: ["interpretation_needed"],
        shown: function () {
          var box = document.getElementById("id_interpretation_needed");
          return box !== null && box.checked;
        },
      },
      {
        target: wrapper("id_guardians_reason"),
        names: ["guardians_attend"],
        shown: function () {
          var value = checkedValue("guardians_attend");
          return value !== "" && value !== "yes";
        },
      },
      {
        target: wrapper("id_child_welfare_reason"),
        names: ["child_welfare_attends"],
        shown: function () {
          var value = checkedValue("child_welfare_attends");
          return value !== "" && value !== "yes";
        },
      },
    ];

    function update() {
      rules.forEach(function (rule) {
        if (!rule.target) {
          return;
        }
        // A field with an error message or a value stays visible.
        var field = rule.target.querySelector("input, textarea");
        var keep = rule.target.querySelector(".ds-validation-message") !== null ||
          (field !== null && field.value.trim() !== "");
        rule.target.hidden = !(rule.shown() || keep);
      });
    }

    form.addEventListener("change", function (event) {
      var name = event.target && event.target.name;
      if (rules.some(function (rule) { return rule.names.indexOf(name) !== -1; })) {
        update();
      }
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-conversation-form]");
    if (form) {
      setUp(form);
    }
  });
})();
