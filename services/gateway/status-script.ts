import { STATUS_SECTIONS } from "./status-page.ts";

/** Where the page listens for its sections (server-sent events). */
export const STATUS_EVENTS_PATH = "/api/status/events";

/**
 * The status page's only script, served from the gateway itself: it listens to the feed and
 * puts each section the gateway sends in place. The sections are HTML the gateway rendered and
 * escaped (status-page.ts); the script adds no text of its own from the data.
 */
export const STATUS_SCRIPT = `"use strict";
(() => {
  const ids = new Set(${JSON.stringify(STATUS_SECTIONS)});
  const live = document.getElementById("live");
  const source = new EventSource(${JSON.stringify(STATUS_EVENTS_PATH)});
  source.addEventListener("sections", (event) => {
    const sections = JSON.parse(event.data);
    for (const [id, html] of Object.entries(sections)) {
      const element = ids.has(id) ? document.getElementById(id) : null;
      if (element !== null) element.innerHTML = html;
    }
    live.textContent = "live";
    live.className = "live";
  });
  source.addEventListener("error", () => {
    live.textContent = "not live: reconnecting to the gateway…";
    live.className = "problem";
  });
})();
`;
