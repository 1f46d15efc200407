// Keyboard shortcuts and the unsaved-changes warning. Wired by data- attributes;
// every page works without this file.
(function () {
  "use strict";

  function typing(event) {
    const el = event.target;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  }

  function rows() {
    return Array.from(document.querySelectorAll("tr[data-row]"));
  }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    const next = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((row, i) => row.classList.toggle("selected", i === next));
    const link = all[next].querySelector("[data-row-link]");
    if (link) link.focus();
  }

  function selectedIndex() {
    return rows().findIndex((row) => row.classList.contains("selected"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    const dialog = document.getElementById("shortcuts-help");
    switch (event.key) {
      case "/": {
        const search = document.querySelector("[data-shortcut-search]");
        if (search) {
          event.preventDefault();
          search.focus();
          search.select();
        }
        break;
      }
      case "j":
        select(selectedIndex() + 1);
        break;
      case "k":
        select(selectedIndex() < 0 ? 0 : selectedIndex() - 1);
        break;
      case "Enter": {
        const row = rows()[selectedIndex()];
        const link = row && row.querySelector("[data-row-link]");
        if (link && document.activeElement !== link) link.click();
        break;
      }
      case "n": {
        const add = document.querySelector("[data-shortcut-add]");
        if (add) add.click();
        break;
      }
      case "?":
        if (dialog && !dialog.open) dialog.showModal();
        break;
    }
  });

  // Leaving a form with unsaved changes asks first.
  let dirty = null;
  document.addEventListener("input", function (event) {
    const form = event.target.closest && event.target.closest("form[data-warn-unsaved]");
    if (form) dirty = form;
  });
  document.addEventListener("submit", function (event) {
    if (event.target === dirty) dirty = null;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && document.body.contains(dirty)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // After a list part is swapped in by a link, move focus to it so that a
  // keyboard or screen-reader user is not left on a removed element. A part that
  // refreshes itself (a job's progress) is left alone: nobody asked for it.
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    const asker = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (asker && target && asker.id && asker.id === target.id) return;
    if (document.activeElement === document.body && target && target.id) {
      const fresh = document.getElementById(target.id);
      if (fresh) {
        fresh.setAttribute("tabindex", "-1");
        fresh.focus({ preventScroll: true });
      }
    }
  });

  // The language switch submits itself on change (a button does it without JavaScript).
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-autosubmit]")) return;
    const form = event.target.form;
    // htmx may have moved on since the page was rendered: come back to where we are now.
    if (form.elements.next) form.elements.next.value = location.pathname + location.search;
    form.requestSubmit();
  });

  document.addEventListener("click", function (event) {
    if (event.target.matches("[data-close-dialog]")) event.target.closest("dialog").close();
  });
})();

// Tick boxes as the admin's actions.js has them: a header box that ticks every row of
// its form, and a count of the rows ticked. Without this file, rows are ticked one by one.
(function () {
  "use strict";

  // The contacts list marks its row boxes with the admin's class alone (one attribute fewer in
  // every row); other tables mark theirs with data-action-select.
  const ROW_BOX = ".action-select, [data-action-select]";

  function boxes(form) {
    return Array.from(form.querySelectorAll(ROW_BOX));
  }

  function updateCounter(form) {
    const counter = form.querySelector("[data-action-counter]");
    if (!counter) return;
    const ticked = boxes(form).filter((box) => box.checked).length;
    counter.textContent = counter.dataset.template
      .replace("%(sel)s", ticked)
      .replace("%(cnt)s", counter.dataset.count);
  }

  document.addEventListener("change", function (event) {
    const form = event.target.closest("form");
    if (!form) return;
    if (event.target.matches("[data-action-toggle]")) {
      boxes(form).forEach((box) => { box.checked = event.target.checked; });
    } else if (event.target.matches(ROW_BOX)) {
      const toggle = form.querySelector("[data-action-toggle]");
      if (toggle) toggle.checked = boxes(form).every((box) => box.checked);
    } else {
      return;
    }
    updateCounter(form);
    // Every row ticked: offer every contact the search finds, with their number.
    if (boxes(form).every((box) => box.checked) && window.htmx) {
      window.htmx.trigger(form, "all-ticked");
    }
  });

  function updateAll() {
    document.querySelectorAll("form").forEach(function (form) {
      const toggle = form.querySelector("[data-action-toggle]");
      const all = boxes(form);
      if (toggle) toggle.checked = all.length > 0 && all.every((box) => box.checked);
      updateCounter(form);
    });
  }
  document.addEventListener("htmx:afterSettle", updateAll);
  document.addEventListener("DOMContentLoaded", updateAll);
})();
