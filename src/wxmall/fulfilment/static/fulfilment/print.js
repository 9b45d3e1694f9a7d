// The packing list's 打印 button (inline handlers are blocked by the Content-Security-Policy).
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
