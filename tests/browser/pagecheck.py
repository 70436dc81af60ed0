"""Checks every browser test runs on the pages it visits: axe-core (WCAG 2.1 A
and AA, and best practice; a violation of any impact fails) at a desktop's 1280 px
and a phone's 375 px, and, at 320 px, no sideways scrolling (WCAG 1.4.10 Reflow)."""

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "tverrnett"
AXE_SCRIPT = PACKAGE_DIR / "static/vendor/axe-core/axe.min.js"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    }
}
FAILING_IMPACTS = {"minor", "moderate", "serious", "critical"}
# axe runs at a desktop's width and a phone's. The 320 CSS pixels WCAG 1.4.10
# (Reflow) asks pages to work at without scrolling sideways (a 1280 px screen
# zoomed to 400 %) are checked for sideways scrolling only.
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 375, "height": 740},
}
REFLOW_VIEWPORT = {"width": 320, "height": 640}
# How far the page is wider than the window, leaving out data tables: WCAG
# 1.4.10 lets content that needs two dimensions, such as a table, scroll.
# The culprits help the failure message: elements wider than the window or
# than their own box.
SIDEWAYS_OVERFLOW = """() => {
  const root = document.documentElement;
  const tables = [...document.querySelectorAll("table")];
  tables.forEach(table => { table.style.display = "none"; });
  const overflow = root.scrollWidth - root.clientWidth;
  const culprits = [...document.body.querySelectorAll("*")]
    // Rendered, and not visually hidden (the skip link is 1 px until focused).
    .filter(element => element.getBoundingClientRect().width > 1)
    .filter(element => element.getBoundingClientRect().right > root.clientWidth + 1
      || element.scrollWidth > element.clientWidth + 1)
    .map(element => element.tagName.toLowerCase()
      + (element.id ? "#" + element.id : "")
      + (element.className && typeof element.className === "string"
        ? "." + element.className.trim().split(/\\s+/).join(".") : ""));
  tables.forEach(table => { table.style.display = ""; });
  return {overflow, culprits: culprits.slice(0, 8)};
}"""


@cache
def axe_source():
    return AXE_SCRIPT.read_text(encoding="utf-8")


def inject_axe(page):
    """Put axe-core into the page without weakening its CSP.

    page.evaluate goes through the DevTools protocol, which the page's CSP does
    not govern. Should that ever stop working, load the vendored copy the way
    the page loads its own scripts (same origin, allowed by script-src 'self').
    """
    if page.evaluate("typeof window.axe") == "undefined":
        # `;undefined`: the script's own last value is not ours to send back.
        page.evaluate(axe_source() + "\n;undefined")
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    assert page.evaluate("typeof window.axe.run") == "function", "axe-core did not load"


# Finite CSS animations and transitions still running (a dialog fading in): axe would
# measure the colours half way and report a contrast the user never sees at rest.
SETTLE_ANIMATIONS = """() => Promise.all(document.getAnimations()
  .filter(animation => animation.effect
    && animation.effect.getComputedTiming().endTime !== Infinity)
  .map(animation => animation.finished.catch(() => null)))"""


def run_axe(page):
    inject_axe(page)
    page.evaluate(SETTLE_ANIMATIONS)
    return page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)


def describe(violations):
    lines = []
    for violation in violations:
        impact, rule, help_text = violation["impact"], violation["id"], violation["help"]
        lines.append(f"[{impact}] {rule}: {help_text} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:200]}")
            for summary_line in (node.get("failureSummary") or "").splitlines():
                lines.append(f"      {summary_line}")
    return "\n".join(lines)


def check_page(page, name, shots):
    """axe at a desktop's and a phone's width with a screenshot each, and no sideways
    scrolling at 320 px."""
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        results = run_axe(page)
        failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
        assert not failing, f"axe-core on {name}, {viewport} ({page.url}):\n{describe(failing)}"
        page.screenshot(path=str(shots / f"{name}-{viewport}.png"), full_page=True)
    page.set_viewport_size(REFLOW_VIEWPORT)
    sideways = page.evaluate(SIDEWAYS_OVERFLOW)
    assert sideways["overflow"] <= 0, (
        f"{name} scrolls sideways by {sideways['overflow']} px at 320 px: "
        f"{', '.join(sideways['culprits'])}"
    )
    page.set_viewport_size(VIEWPORTS["desktop"])


def click_and_wait(page, locator):
    """Click something that navigates, and wait for the new page."""
    with page.expect_navigation():
        locator.click()
