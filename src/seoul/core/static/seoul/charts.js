/*
 * Renders the Vega-Lite charts of a page without eval (CSP script-src 'self', style-src 'self').
 *
 * Markup (Django's json_script):
 *   <div class="chart" data-chart="chart-budget"></div>
 *   <script type="application/json" id="chart-budget">{...Vega-Lite spec...}</script>
 *
 * CSP: Vega normally compiles its expressions with new Function(); `ast: true` makes Vega keep
 * the parsed expressions and `expr: vegaInterpreter.expressionInterpreter` evaluates them with
 * the vega-interpreter package instead. vega-embed's and vega-tooltip's own <style> elements
 * are switched off (defaultStyle: false, disableDefaultStyle); platform.css styles them.
 *
 * Needs: vega.min.js, vega-lite.min.js, vega-interpreter.min.js, vega-embed.min.js (in that order).
 */
(function () {
  "use strict";

  // KRDS colours (--krds-color-light-*), in an order whose neighbours are distinguishable.
  var PALETTE = ["#256ef4", "#063a74", "#d63d4a", "#228738", "#c78500", "#6b96c7", "#58616a"];
  var FONT = '"Pretendard GOV", Pretendard, "Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans KR", NanumGothic, sans-serif';
  var TEXT = "#1e2124"; // --krds-light-color-text-basic
  var SUBTLE = "#464c53"; // --krds-light-color-text-subtle
  var GRID = "#e6e8ea"; // --krds-color-light-gray-10

  // Vega describes axes and legends to screen readers in English words of its own ("X-axis
  // titled ... for a linear scale with values from ... to ..."), whatever the page's language:
  // they are switched off (aria: false). The chart as a whole keeps its name (the spec's
  // description) and every chart's figures are in a table on the same page.
  var CONFIG = {
    font: FONT,
    background: null,
    view: { stroke: null },
    range: { category: PALETTE },
    axis: {
      labelFont: FONT, titleFont: FONT, labelFontSize: 12, titleFontSize: 12,
      labelColor: SUBTLE, titleColor: TEXT, titleFontWeight: 700,
      gridColor: GRID, domainColor: "#8a949e", tickColor: "#8a949e", aria: false
    },
    legend: {
      labelFont: FONT, titleFont: FONT, labelFontSize: 12, titleFontSize: 12,
      labelColor: TEXT, titleColor: TEXT, symbolType: "square", labelLimit: 260, aria: false
    },
    title: { font: FONT, color: TEXT },
    bar: { cornerRadiusEnd: 2 },
    line: { strokeWidth: 2.5 },
    // Points drawn over a line repeat the line's values; without this their layer is an
    // unnamed graphic to screen readers (axe-core: svg-img-alt).
    point: { size: 50, filled: true, aria: false }
  };

  var lang = (document.documentElement.lang || "ko").toLowerCase();
  var FAILED = lang.indexOf("ko") === 0
    ? "차트를 표시할 수 없습니다. 같은 내용을 아래 표에서 볼 수 있습니다."
    : "The chart could not be shown. The same figures are in the tables on this page.";

  function fail(el, err) {
    el.textContent = "";
    var p = document.createElement("p");
    p.className = "chart-error";
    p.textContent = FAILED;
    el.appendChild(p);
    el.setAttribute("data-chart-state", "error");
    if (window.console && err) window.console.error("charts.js:", err);
  }

  // Narrow screens: shorter axis labels and legends wrapped onto several rows, so that the
  // plot keeps most of the width and nothing overflows the card.
  function fitToWidth(spec, width) {
    var config = JSON.parse(JSON.stringify(CONFIG));
    config.legend.columns = Math.max(1, Math.floor(width / 250));
    config.legend.labelLimit = Math.min(260, width - 40);
    if (width < 560) config.axis.tickCount = 5;
    if (width < 560 && spec && spec.encoding) {
      ["x", "y"].forEach(function (ch) {
        var axis = spec.encoding[ch] && spec.encoding[ch].axis;
        if (axis && axis.labelLimit) axis.labelLimit = Math.min(axis.labelLimit, Math.round(width * 0.38));
      });
    }
    return config;
  }

  function render(el) {
    var id = el.getAttribute("data-chart");
    var source = id && document.getElementById(id);
    if (!source) return fail(el, new Error("no spec #" + id));
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (e) {
      return fail(el, e);
    }
    // The specs name the Vega-Lite v5 schema; the vendored Vega-Lite is newer and compatible,
    // so drop the schema URL to avoid a version warning (and any schema fetch).
    if (spec && typeof spec === "object") delete spec.$schema;
    var config = fitToWidth(spec, el.clientWidth || 600);
    var options = {
      mode: "vega-lite",
      actions: false,
      renderer: "svg",
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true, theme: "light" },
      config: config
    };
    el.setAttribute("data-chart-state", "loading");
    return window.vegaEmbed(el, spec, options).then(function (result) {
      el.setAttribute("data-chart-state", "ready");
      var svg = el.querySelector("svg");
      if (svg && spec.description && !svg.getAttribute("aria-label")) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", spec.description);
      }
      return result;
    }).catch(function (e) { fail(el, e); });
  }

  function renderAll() {
    var charts = document.querySelectorAll("div.chart[data-chart]");
    if (!charts.length) return;
    if (typeof window.vegaEmbed !== "function" || !window.vegaInterpreter || !window.vega) {
      Array.prototype.forEach.call(charts, function (el) { fail(el, new Error("Vega is not loaded")); });
      return;
    }
    Array.prototype.forEach.call(charts, render);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
