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

// A press starts what its click will do. A click comes when the button is let go, a tenth
// of a second after it went down: on a list's links that only show the list another way
// (htmx-boosted: pages, sort headings, filters) the request is made at the mousedown, and
// a row's link ([data-row-link]) starts loading its page then. The click that follows is
// taken as done, so one press is still one request. A press that ends elsewhere (let go
// off the link, or the link dragged away) is called off, as no click would have come. A
// middle or modified press (a new tab), the keyboard and touch work as before; without
// this file, the links are plain links.
(function () {
  "use strict";

  let pressed = null; // the link pressed, and whether htmx or a page load took it

  function boosted(link) {
    const scope = link.closest("[hx-boost]");
    return Boolean(scope) && scope.getAttribute("hx-boost") === "true";
  }

  function plainLocal(link) {
    return (
      link.origin === location.origin &&
      (link.target === "" || link.target === "_self") &&
      !link.hasAttribute("download")
    );
  }

  function callOff() {
    if (pressed.kind === "htmx") window.htmx.trigger(pressed.link, "htmx:abort");
    else window.stop();
    pressed = null;
  }

  document.addEventListener("mousedown", function (event) {
    pressed = null;
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    const link = event.target.closest && event.target.closest("a[href]");
    if (!link || !plainLocal(link)) return;
    if (window.htmx && boosted(link)) {
      pressed = { link: link, kind: "htmx" };
      // What htmx does on the click: a click event of our own (not trusted, so the
      // listener below lets it through) on the link.
      window.htmx.trigger(link, "click");
    } else if (link.matches("[data-row-link]")) {
      pressed = { link: link, kind: "page" };
      location.assign(link.href);
    }
  }, true);

  // The press's own click (a mouse click has a detail, the count of clicks; a link
  // activated by the keyboard has 0): already under way, so neither htmx nor the browser
  // starts it again.
  document.addEventListener("click", function (event) {
    if (!pressed || !event.isTrusted || event.detail === 0) return;
    event.preventDefault();
    event.stopPropagation();
    pressed = null;
  }, true);

  document.addEventListener("mouseup", function (event) {
    if (!pressed || event.button !== 0) return;
    // Let go off the link, which is still shown (not yet swapped away): no click comes.
    if (pressed.link.isConnected && !pressed.link.contains(event.target)) {
      callOff();
      return;
    }
    // The click, if one comes, is dispatched right after this mouseup; then nothing is pending.
    window.setTimeout(function () { pressed = null; }, 0);
  }, true);

  document.addEventListener("dragstart", function (event) {
    if (pressed && pressed.link.contains(event.target)) callOff();
  }, true);
})();
