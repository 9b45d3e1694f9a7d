// The console's product pages: "select all" on the list; on the editor, the picture gallery (upload,
// drag to order, remove), the rich-text description (Quill, with picture upload) and the spec-matrix
// editor (axes x values -> one SKU row per combination). On submit the three are written into hidden
// inputs as JSON; the server checks everything again.
(function () {
  "use strict";
  const checkAll = document.getElementById("check-all");
  if (checkAll) {
    checkAll.addEventListener("change", () => {
      document.querySelectorAll('input[name="ids"]').forEach((box) => { box.checked = checkAll.checked; });
    });
  }
  const form = document.getElementById("product-form");
  if (!form) return;
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  const el = (tag, props, children) => {
    const node = Object.assign(document.createElement(tag), props || {});
    (children || []).forEach((c) => node.append(c));
    return node;
  };

  async function upload(file) {
    const body = new FormData();
    body.append("image", file);
    const response = await fetch(data.upload_url, { method: "POST", body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
    const answer = await response.json().catch(() => ({ message: "上传失败，请重试" }));
    if (!response.ok) throw new Error(answer.message || "上传失败");
    return answer;
  }

  // -- gallery ----------------------------------------------------------------------------------------
  const gallery = document.getElementById("gallery");
  const status = document.getElementById("upload-status");
  let images = data.images.slice();
  let dragged = null;
  function drawGallery() {
    gallery.replaceChildren(...images.map((image, index) => {
      const remove = el("button", { type: "button", textContent: "删除", title: "删除图片" });
      remove.addEventListener("click", () => { images.splice(index, 1); drawGallery(); });
      const item = el("li", { draggable: true }, [el("img", { src: image.thumbnail || image.url, alt: "商品图片 " + (index + 1) }), remove]);
      if (index === 0) item.append(el("span", { className: "cover", textContent: "主图" }));
      item.dataset.index = index;
      item.addEventListener("dragstart", () => { dragged = index; item.classList.add("dragging"); });
      item.addEventListener("dragend", () => item.classList.remove("dragging"));
      item.addEventListener("dragover", (event) => event.preventDefault());
      item.addEventListener("drop", (event) => {
        event.preventDefault();
        if (dragged === null || dragged === index) return;
        const [moved] = images.splice(dragged, 1);
        images.splice(index, 0, moved);
        dragged = null;
        drawGallery();
      });
      return item;
    }));
  }
  document.getElementById("image-input").addEventListener("change", async (event) => {
    for (const file of event.target.files) {
      if (images.length >= 9) { status.textContent = "最多 9 张图片"; break; }
      status.textContent = "正在上传 " + file.name + "…";
      try {
        images.push(await upload(file));
        status.textContent = "已上传 " + file.name;
      } catch (error) {
        status.textContent = file.name + "：" + error.message;
      }
      drawGallery();
    }
    event.target.value = "";
  });
  drawGallery();

  // -- rich-text description --------------------------------------------------------------------------
  const description = form.querySelector('input[name="description"]');
  let quill = null;
  if (window.Quill) {
    quill = new window.Quill("#description-editor", {
      theme: "snow",
      placeholder: "介绍商品的卖点、配置与售后服务…",
      modules: {
        toolbar: {
          container: [[{ header: [2, 3, false] }], ["bold", "italic", "underline", "strike"], [{ list: "ordered" }, { list: "bullet" }], [{ align: [] }], ["link", "image"], ["clean"]],
          handlers: {
            image() {
              const picker = el("input", { type: "file", accept: "image/jpeg,image/png,image/webp,image/gif" });
              picker.addEventListener("change", async () => {
                try {
                  const answer = await upload(picker.files[0]);
                  const range = quill.getSelection(true);
                  quill.insertEmbed(range.index, "image", answer.url, "user");
                } catch (error) {
                  window.alert(error.message);
                }
              });
              picker.click();
            },
          },
        },
      },
    });
    quill.clipboard.dangerouslyPasteHTML(description.value || "");  // cleaned by the server (nh3)
  } else {
    document.getElementById("description-editor").textContent = "富文本编辑器未安装（运行 make setup）。";
  }

  // -- spec matrix ------------------------------------------------------------------------------------
  const axesBox = document.getElementById("axes");
  const matrix = document.getElementById("matrix");
  let rows = data.skus.slice();
  const key = (specs, names) => JSON.stringify(names.map((n) => specs[n] || ""));

  function axisRow(name, values) {
    const nameInput = el("input", { className: "name", value: name || "", placeholder: "维度，如 内存", maxLength: 20 });
    nameInput.setAttribute("list", "axis-names");
    nameInput.setAttribute("aria-label", "规格维度名称");
    const valuesInput = el("input", { className: "values", value: (values || []).join("，"), placeholder: "取值，用逗号分隔，如 16GB，32GB", maxLength: 400 });
    valuesInput.setAttribute("aria-label", "规格取值");
    const remove = el("button", { type: "button", textContent: "删除" });
    const row = el("div", { className: "axis" }, [nameInput, valuesInput, remove]);
    remove.addEventListener("click", () => row.remove());
    axesBox.append(row);
  }
  function axes() {
    return [...axesBox.querySelectorAll(".axis")].map((row) => ({
      name: row.querySelector(".name").value.trim(),
      values: [...new Set(row.querySelector(".values").value.split(/[,，、]/).map((v) => v.trim()).filter(Boolean))],
    })).filter((axis) => axis.name && axis.values.length);
  }
  function axisNames() {
    const names = [];
    rows.forEach((row) => Object.keys(row.specs || {}).forEach((n) => { if (!names.includes(n)) names.push(n); }));
    return names;
  }
  // Axes shown at load: the ones the existing SKUs use, with their values in order of appearance.
  axisNames().forEach((name) => axisRow(name, [...new Set(rows.map((r) => (r.specs || {})[name]).filter(Boolean))]));
  if (!rows.length) { axisRow("处理器", []); axisRow("内存", []); }

  function drawMatrix() {
    const names = axisNames();
    const head = el("tr", {}, [...names.map((n) => el("th", { textContent: n })), ...["SKU 编码", "售价（元）", "划线价（元）", "库存", "可售"].map((t) => el("th", { textContent: t }))]);
    matrix.tHead.replaceChildren(head);
    matrix.tBodies[0].replaceChildren(...rows.map((row, index) => {
      const cells = names.map((n) => el("td", { className: "spec", textContent: (row.specs || {})[n] || "—" }));
      const input = (field, props) => {
        const box = el("input", Object.assign({ value: row[field] === undefined || row[field] === null ? "" : row[field] }, props));
        box.setAttribute("aria-label", props.label + " " + (index + 1));
        box.addEventListener("input", () => { row[field] = box.value; });
        return el("td", {}, [box]);
      };
      const active = el("input", { type: "checkbox", checked: row.is_active !== false });
      active.setAttribute("aria-label", "可售 " + (index + 1));
      active.addEventListener("change", () => { row.is_active = active.checked; });
      return el("tr", {}, [
        ...cells,
        input("code", { className: "code", maxLength: 64, label: "SKU 编码", name: "sku-code" }),
        input("price", { inputMode: "decimal", maxLength: 20, label: "售价", name: "sku-price" }),
        input("list_price", { inputMode: "decimal", maxLength: 20, label: "划线价", name: "sku-list-price" }),
        input("stock", { inputMode: "numeric", maxLength: 8, label: "库存", name: "sku-stock" }),
        el("td", {}, [active]),
      ]);
    }));
  }
  document.getElementById("add-axis").addEventListener("click", () => axisRow("", []));
  document.getElementById("generate").addEventListener("click", () => {
    const wanted = axes();
    const names = wanted.map((a) => a.name);
    let combos = [{}];
    wanted.forEach((axis) => {
      combos = combos.flatMap((c) => axis.values.map((v) => Object.assign({}, c, { [axis.name]: v })));
    });
    // A combination that already has a row keeps it (price, stock, code); new ones start empty.
    const existing = new Map(rows.map((r) => [key(r.specs || {}, names), r]));
    rows = combos.map((specs) => existing.get(key(specs, names)) || { specs, code: "", price: "", list_price: "", stock: "0", is_active: true });
    rows.forEach((r) => { r.specs = Object.fromEntries(names.map((n) => [n, (r.specs || {})[n]]).filter(([, v]) => v)); });
    drawMatrix();
  });
  drawMatrix();

  form.addEventListener("submit", () => {
    form.querySelector('input[name="image_list"]').value = JSON.stringify(images.map((i) => i.url));
    form.querySelector('input[name="sku_matrix"]').value = JSON.stringify(rows);
    if (quill) description.value = quill.getLength() > 1 ? quill.root.innerHTML : "";
  });
})();
