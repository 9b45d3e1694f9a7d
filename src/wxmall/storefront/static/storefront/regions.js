// Cascading province → city → district picker for an address form. The three text inputs inside an
// element with data-region-picker="<url of regions.json>" become selects filled from that tree; what was
// typed or saved stays selected. Without JavaScript the inputs stay as they are and the server still checks
// that the three names belong together.
(function () {
  "use strict";

  function toSelect(input, placeholder) {
    const select = document.createElement("select");
    select.id = input.id;
    select.name = input.name;
    select.dataset.initial = input.value;
    select.setAttribute("aria-label", placeholder);
    input.replaceWith(select);
    return select;
  }

  function fill(select, names, placeholder) {
    const keep = select.value || select.dataset.initial || "";
    select.textContent = "";
    select.append(new Option(placeholder, ""));
    names.forEach((name) => select.append(new Option(name, name)));
    select.value = names.includes(keep) ? keep : "";
    select.dataset.initial = "";
    select.disabled = names.length === 0;
  }

  function init(box) {
    const inputs = ["province", "city", "district"].map((name) => box.querySelector(`[name="${name}"]`));
    if (inputs.some((input) => !input)) return;
    fetch(box.dataset.regionPicker, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((tree) => {
        const [province, city, district] = [
          toSelect(inputs[0], "选择省份"),
          toSelect(inputs[1], "选择城市"),
          toSelect(inputs[2], "选择区县"),
        ];
        const cities = () => Object.keys(tree[province.value] || {});
        const districts = () => (tree[province.value] || {})[city.value] || [];
        fill(province, Object.keys(tree), "选择省份");
        fill(city, cities(), "选择城市");
        fill(district, districts(), "选择区县");
        province.addEventListener("change", () => {
          fill(city, cities(), "选择城市");
          fill(district, districts(), "选择区县");
        });
        city.addEventListener("change", () => fill(district, districts(), "选择区县"));
      })
      .catch(() => {}); // the plain inputs keep working
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-region-picker]").forEach(init);
  });
})();
