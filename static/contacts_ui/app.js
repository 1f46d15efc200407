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

  // After a part is swapped in, focus goes where a keyboard or screen-reader user expects
  // it, never lost to the page's body with the element that had it: a link's part (a page,
  // a sort) to the part, or to its error if it has one; a row deleted in place to the next
  // row's link (or the previous one's, or the list). Focus still where it was (typing in a
  // search box) stays there. A part that refreshes itself on a timer (a job's progress) is
  // left alone: nobody asked for it. The swap's result is said in the live region (#announcer).
  function focusOn(element) {
    if (!element.matches("a[href], button, input, select, textarea")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: true });
  }

  function polled(event) {
    const asker = event.detail.requestConfig && event.detail.requestConfig.elt;
    const target = event.detail.target;
    return Boolean(asker && target && asker.id && asker.id === target.id && asker.tagName !== "FORM");
  }

  // A row deleted in place: its neighbours, to move focus to once it is gone. The swap's
  // own events are sent to the row's link, gone with it, so they never reach the document:
  // the check is made just after the swap, which htmx makes as soon as this event is done.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const row = event.detail.target;
    if (!row || !row.matches("tr[data-row]")) return;
    const next = row.nextElementSibling;
    const previous = row.previousElementSibling;
    const list = row.closest("[id]:not(tr, tbody, table, form)");
    window.setTimeout(function () {
      if (row.isConnected) return;
      // There again, saying what went wrong: focus to that, and it is said.
      const again = document.getElementById(row.id);
      if (again) say(summary(again));
      if (document.activeElement !== document.body && document.activeElement !== null) return;
      if (again) {
        focusOn(again.querySelector(".errornote") || again);
        return;
      }
      const after = [next, previous].find((other) => other && other.isConnected);
      const link = after && after.querySelector("[data-row-link]");
      if (link) focusOn(link);
      else if (list && list.isConnected) focusOn(list);
    }, 0);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (polled(event) || document.activeElement !== document.body) return;
    const target = event.detail.target;
    const fresh = target && target.id ? document.getElementById(target.id) : target;
    if (!fresh || !fresh.isConnected) return;
    const problem = fresh.querySelector(".errornote, .errorlist");
    focusOn(problem || fresh);
  });

  // The live region (#announcer): emptied, then given the text a moment later, so that the
  // same words twice (the same page of results again) are still read. The words are put in
  // a closed shadow root of it: a screen reader reads them there as in the page, but they
  // are not a second copy of the page's text for anything that finds text in the page (the
  // browser's find in page, a test's get_by_text).
  let spoken = null;
  function voice() {
    if (spoken && spoken.isConnected) return spoken;
    const region = document.getElementById("announcer");
    if (!region) return null;
    spoken = document.createElement("span");
    if (region.attachShadow) region.attachShadow({ mode: "closed" }).appendChild(spoken);
    else region.appendChild(spoken);
    return spoken;
  }
  document.addEventListener("DOMContentLoaded", voice);

  let saying = null;
  function say(text) {
    const words = voice();
    if (!words || !text) return;
    window.clearTimeout(saying);
    words.textContent = "";
    saying = window.setTimeout(function () { words.textContent = text; }, 100);
  }

  function textOf(element) {
    return element.textContent.replace(/\s+/g, " ").trim();
  }

  // "Page 2 of 5" of a part's paginator: its text without the links and the page size.
  function pageOf(part) {
    const pager = part.querySelector(".paginator");
    if (!pager) return "";
    const copy = pager.cloneNode(true);
    copy.querySelectorAll("a, form, noscript").forEach((node) => node.remove());
    return textOf(copy).replace(/^[\s·]+|[\s·]+$/g, "");
  }

  // What a swapped part says in a few words: its own data-announce if it has one; else what
  // went wrong; else its table's caption and page ("Contacts, Page 2 of 5"); else its first
  // paragraph or heading ("No contact matches “x”."). Nothing for a part that speaks for
  // itself (an error shown as an alert, a job's progress in a live region of its own): it
  // would be read twice.
  function summary(part) {
    const marked = part.closest("[data-announce]") || part.querySelector("[data-announce]");
    if (marked) return marked.getAttribute("data-announce") || textOf(marked);
    if (part.matches("[role=alert], [role=status], [aria-live]")) return "";
    const problem = part.matches(".errornote") ? part : part.querySelector(".errornote, .errorlist");
    if (problem) return problem.closest("[role=alert]") ? "" : textOf(problem);
    const caption = part.querySelector("caption");
    if (caption) return [textOf(caption), pageOf(part)].filter(Boolean).join(", ");
    const first = part.querySelector("p, h1, h2, h3");
    return first ? textOf(first) : "";
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (polled(event)) return;
    const target = event.detail.target;
    const fresh = target && target.id ? document.getElementById(target.id) : target;
    if (fresh && fresh.isConnected) say(summary(fresh));
  });

  // What the server says itself, in an HX-Trigger header ({"announce": {"message": "…"}}):
  // a row deleted in place, whose answer is nothing at all.
  document.addEventListener("announce", function (event) {
    say(event.detail && event.detail.message);
  });

  // The admin's two-box picker (SelectFilter2.js, set up on load, before this) names its
  // search icons with aria-label on a bare <span>, which has no role to be named: an image.
  window.addEventListener("load", function () {
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
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
