// Classification: HS code suggestions under each item's code field while the trader types the
// description. Progressive enhancement: without JavaScript the form and its warnings work as before.
(function () {
  "use strict";
  var form = document.querySelector("form[data-classify]");
  if (!form) { return; }
  var csrf = form.querySelector("input[name=csrf]");
  var timers = {};

  function suggest(index, text) {
    var code = document.getElementById("f-items-" + index + "-hs_code");
    if (!code || text.trim().length < 3) { return; }
    fetch("/api/v1/classification/suggest", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "x-csrf-token": csrf ? csrf.value : ""},
      body: JSON.stringify({description: text.slice(0, 2000), limit: 5})
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
      if (!body) { return; }
      var id = "dl-classify-" + index;
      var list = document.getElementById(id);
      if (!list) {
        list = document.createElement("datalist");
        list.id = id;
        form.appendChild(list);
        code.setAttribute("list", id);
      }
      list.textContent = "";
      body.suggestions.forEach(function (s) {
        var option = document.createElement("option");
        option.value = s.hs6;
        option.label = s.hs6 + " — " + s.description + " (" + Math.round(s.confidence * 100) + "%)";
        list.appendChild(option);
      });
    }).catch(function () { /* suggestions are a help, never a blocker */ });
  }

  form.addEventListener("input", function (event) {
    var match = /^f-items-(\d+)-description$/.exec(event.target.id || "");
    if (!match) { return; }
    var index = match[1];
    clearTimeout(timers[index]);
    timers[index] = setTimeout(function () { suggest(index, event.target.value); }, 350);
  });
}());
