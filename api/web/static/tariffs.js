// Progressive enhancement of the tariff pages; every page works without this script.
// - the form shows only the fields of each component's kind and pricing model;
// - the calculator answers as you type: the form is posted to the same server-side
//   calculator the "Calculate" button uses, and its answer replaces the quote.
(function () {
  "use strict";

  function showFor(block) {
    var kind = block.querySelector("select[name$='_kind']");
    var model = block.querySelector("select[name$='_model']");
    block.querySelectorAll("[data-kinds]").forEach(function (part) {
      part.hidden = kind && part.dataset.kinds.split(" ").indexOf(kind.value) < 0;
    });
    block.querySelectorAll("[data-models]").forEach(function (part) {
      part.hidden = model && part.dataset.models.split(" ").indexOf(model.value) < 0;
    });
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // A calculator answer is swapped in only if it is the calculator's own fragment: a
  // price (200) or the fields at fault (422), as HTML, not redirected. After the session
  // expires the answer is the sign-in page (a redirect), which must never be pasted in.
  function fragmentOf(answer) {
    var type = answer.headers.get("Content-Type") || "";
    var expected = (answer.ok || answer.status === 422) && !answer.redirected &&
      type.indexOf("text/html") === 0;
    return expected ? answer.text() : null;
  }

  function liveDraftQuote(form) {
    var target = document.getElementById("draft-quote");
    if (!target) { return; }
    var refresh = debounce(function () {
      var data = new FormData(form);
      data.set("do", "calculate");
      fetch(form.dataset.quoteUrl, { method: "POST", body: data, credentials: "same-origin" })
        .then(fragmentOf)
        .then(function (html) { if (html !== null) { target.innerHTML = html; } })
        .catch(function () { /* the Calculate button still works */ });
    }, 300);
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
  }

  function liveVersionQuotes(form) {
    var target = document.getElementById(form.dataset.target);
    var refresh = debounce(function () {
      var query = new URLSearchParams(new FormData(form)).toString();
      fetch(form.dataset.liveQuote + "?" + query, { credentials: "same-origin" })
        .then(fragmentOf)
        .then(function (html) { if (html !== null) { target.innerHTML = html; } })
        .catch(function () { /* the Calculate button still works */ });
    }, 300);
    form.addEventListener("input", refresh);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("tariff-form");
    if (form) {
      form.querySelectorAll("fieldset.component").forEach(function (block) {
        showFor(block);
        block.addEventListener("change", function () { showFor(block); });
      });
      liveDraftQuote(form);
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) { event.preventDefault(); }  // a double click sends once
        form.dataset.sent = "1";
      });
      window.addEventListener("pageshow", function () { delete form.dataset.sent; });
    }
    document.querySelectorAll("form[data-live-quote]").forEach(liveVersionQuotes);
  });
}());
