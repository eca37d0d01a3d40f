/* Charts for the Preventable Deaths Tracker, drawn with the vendored Chart.js.
 *
 * Each chart is declared in HTML: <div class="pdt-chart" data-chart="KIND" data-src="URL">
 * with a <canvas> inside. URL is a canned query's JSON (?_shape=array). When a chart is drawn
 * (or has nothing to draw) its container gets data-state="done"; a failure sets
 * data-state="error" and is thrown, so it shows up as a JavaScript error.
 */
(function () {
  "use strict";

  var PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b",
                 "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"];

  function words(value) {
    return String(value === null || value === undefined ? "unknown" : value).replace(/_/g, " ");
  }

  function colour(i) {
    return PALETTE[i % PALETTE.length];
  }

  function fetchRows(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error("chart data " + url + " answered HTTP " + response.status);
      }
      return response.json();
    }).then(function (data) {
      if (!Array.isArray(data)) {
        throw new Error("chart data " + url + " is not a list of rows");
      }
      return data;
    });
  }

  function unique(values) {
    var seen = [];
    values.forEach(function (v) { if (seen.indexOf(v) < 0) { seen.push(v); } });
    return seen;
  }

  function percentAxis(axis) {
    var scale = { min: 0, max: 100, title: { display: true, text: "%" } };
    var scales = {};
    scales[axis] = scale;
    return scales;
  }

  function ratesByTrust(rows, el) {
    rows = rows.slice().sort(function (a, b) {
      return (b.response_rate_with_predecessors || 0) - (a.response_rate_with_predecessors || 0);
    });
    el.style.height = Math.max(240, 60 + rows.length * 22) + "px";
    return {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.trust; }),
        datasets: [
          { label: "with predecessors' requests", backgroundColor: colour(0),
            data: rows.map(function (r) { return r.response_rate_with_predecessors; }) },
          { label: "as sent (under its own name)", backgroundColor: colour(1),
            data: rows.map(function (r) { return r.response_rate_as_sent; }) }
        ]
      },
      options: { indexAxis: "y", scales: percentAxis("x") }
    };
  }

  function ratesBySubtype(rows, el) {
    el.style.height = "320px";
    return {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return words(r.nhs_trust_subtype); }),
        datasets: [
          { label: "responded, of all requests", backgroundColor: colour(0),
            data: rows.map(function (r) { return r.response_rate; }) },
          { label: "responded, of requests already due", backgroundColor: colour(2),
            data: rows.map(function (r) { return r.responded_of_due_pct; }) }
        ]
      },
      options: { scales: percentAxis("y") }
    };
  }

  function reportsPerYear(rows, el) {
    el.style.height = "320px";
    return {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.year; }),
        datasets: [
          { type: "line", label: "sent to NHS trusts", borderColor: colour(1),
            backgroundColor: colour(1), data: rows.map(function (r) { return r.sent_to_nhs_trusts; }) },
          { label: "all reports", backgroundColor: colour(0),
            data: rows.map(function (r) { return r.reports; }) }
        ]
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "reports" } } } }
    };
  }

  function reportsPerYearBySubtype(rows, el, totals) {
    el.style.height = "360px";
    var years = unique(rows.map(function (r) { return String(r.year); }).concat(
      (totals || []).map(function (r) { return String(r.year); }))).sort();
    var subtypes = unique(rows.map(function (r) { return r.nhs_trust_subtype; })).sort();
    var datasets = subtypes.map(function (subtype, i) {
      var byYear = {};
      rows.forEach(function (r) { if (r.nhs_trust_subtype === subtype) { byYear[r.year] = r.reports; } });
      return { label: words(subtype), backgroundColor: colour(i), stack: "subtypes",
               data: years.map(function (y) { return byYear[y] || 0; }) };
    });
    if (totals) {
      var all = {};
      totals.forEach(function (r) { all[r.year] = r.reports; });
      datasets.unshift({ type: "line", label: "all reports", borderColor: "#333",
                         backgroundColor: "#333", data: years.map(function (y) { return all[y] || 0; }) });
    }
    return {
      type: "bar",
      data: { labels: years, datasets: datasets },
      options: { scales: { x: { stacked: true },
                           y: { stacked: true, beginAtZero: true, title: { display: true, text: "reports" } } } }
    };
  }

  function themesBySubtype(rows, el) {
    var totals = {};
    rows.forEach(function (r) { totals[r.theme] = (totals[r.theme] || 0) + r.reports; });
    var themes = Object.keys(totals).sort(function (a, b) { return totals[b] - totals[a]; }).slice(0, 15);
    var subtypes = unique(rows.map(function (r) { return r.nhs_trust_subtype; })).sort();
    el.style.height = Math.max(280, 80 + themes.length * (12 + 6 * subtypes.length)) + "px";
    return {
      type: "bar",
      data: {
        labels: themes,
        datasets: subtypes.map(function (subtype, i) {
          var pct = {};
          rows.forEach(function (r) { if (r.nhs_trust_subtype === subtype) { pct[r.theme] = r.pct_of_subtype_reports; } });
          return { label: words(subtype), backgroundColor: colour(i),
                   data: themes.map(function (t) { return pct[t] || 0; }) };
        })
      },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true,
                 title: { display: true, text: "% of the subtype's reports" } } } }
    };
  }

  var KINDS = {
    "rates-by-trust": ratesByTrust,
    "rates-by-subtype": ratesBySubtype,
    "reports-per-year": reportsPerYear,
    "reports-per-year-by-subtype": reportsPerYearBySubtype,
    "themes-by-subtype": themesBySubtype
  };

  function say(el, text) {
    var p = el.querySelector(".pdt-chart-message");
    if (p) { p.textContent = text; }
  }

  function draw(el) {
    var build = KINDS[el.dataset.chart];
    if (!build) {
      el.dataset.state = "error";
      throw new Error("unknown chart kind " + el.dataset.chart);
    }
    var loads = [fetchRows(el.dataset.src)];
    if (el.dataset.srcTotals) { loads.push(fetchRows(el.dataset.srcTotals)); }
    return Promise.all(loads).then(function (results) {
      var rows = results[0];
      if (!rows.length) {
        say(el, "Nothing to chart yet.");
      } else {
        var config = build(rows, el, results[1]);
        config.options = Object.assign({ responsive: true, maintainAspectRatio: false,
                                         animation: false }, config.options);
        new window.Chart(el.querySelector("canvas"), config);
      }
      el.dataset.state = "done";
    }).catch(function (error) {
      el.dataset.state = "error";
      say(el, "The chart could not be drawn: " + error.message);
      throw error;
    });
  }

  function drawAll() {
    if (!window.Chart) {
      throw new Error("Chart.js did not load");
    }
    Array.prototype.forEach.call(document.querySelectorAll(".pdt-chart[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
