// Marks the page as scripted (html.js: app.css's rules for a page without JavaScript
// read its absence) and opens or closes the navigation sidebar. Loaded in <head>
// without defer, so the page is painted as it will stay (no jump).
(function () {
  "use strict";
  const KEY = "contacts.navOpen";
  // Wide screens have room for the sidebar beside a full contacts table; laptops do not.
  const WIDE = "(min-width: 1600px)";
  const root = document.documentElement;

  function remembered() {
    try {
      return localStorage.getItem(KEY);
    } catch (error) {
      return null; // storage switched off: follow the screen's width
    }
  }

  const choice = remembered();
  const open = choice === null ? window.matchMedia(WIDE).matches : choice === "true";
  root.classList.add("js");
  root.classList.toggle("nav-open", open);

  document.addEventListener("DOMContentLoaded", function () {
    const toggle = document.getElementById("toggle-nav");
    if (!toggle) return;
    toggle.setAttribute("aria-expanded", String(root.classList.contains("nav-open")));
    toggle.addEventListener("click", function () {
      const nowOpen = root.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", String(nowOpen));
      try {
        localStorage.setItem(KEY, String(nowOpen));
      } catch (error) {
        // not remembered; it still applies to this page
      }
    });
  });
})();
