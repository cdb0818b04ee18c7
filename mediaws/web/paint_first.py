"""Prerendered pages paint before their scripts load: the build's pages start React after the first paint.

React Router's prerendered page is complete HTML, but its head modulepreloads the page's ~30 chunks (about
265 KB gzip) and starts them from an async module script. On a phone those downloads compete with the
stylesheet, and Lighthouse's simulation counts them all into the first paint. After the build, each page's
modulepreload links and start script are replaced by a small inline script that adds the same links and the
same module once the page's first text or image is on screen (Chromium's and Safari's
``first-contentful-paint``; 300 ms after the first frame where that is never reported; at once in a hidden
tab, where no frame comes). The page's own scripts' preload links (``components/head_scripts.py``) move to
the same moment, after the chunks. The page's markup, its stream of loader data and the module's code are
left as they are.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)"/?>')
SCRIPT_PRELOAD = re.compile(
    r'<link (?=[^>]*\bas="script")(?=[^>]*\brel="preload")[^>]*?\bhref="([^"]+)"[^>]*>'
)
START = re.compile(r'<script type="module" async="">(.*?)</script>', re.S)
MARK = "data-paint-first"
LOADER = (
    "<script " + MARK + ">(function(){var urls={urls},scripts={scripts},code={code},started=false;"
    "function start(){if(started){return}started=true;var head=document.head;urls.forEach(function(url){"
    "var link=document.createElement('link');link.rel='modulepreload';link.href=url;head.appendChild(link)});"
    "scripts.forEach(function(url){var link=document.createElement('link');link.rel='preload';"
    "link.as='script';link.fetchPriority='low';link.href=url;head.appendChild(link)});"
    "var script=document.createElement('script');script.type='module';script.textContent=code;"
    "head.appendChild(script)}"
    "if(document.visibilityState==='hidden'){start();return}"
    "requestAnimationFrame(function(){setTimeout(start,300)});"
    "var types=window.PerformanceObserver&&PerformanceObserver.supportedEntryTypes||[];"
    "if(types.indexOf('paint')<0){return}"
    "new PerformanceObserver(function(list,observer){list.getEntries().forEach(function(entry){"
    "if(entry.name==='first-contentful-paint'){observer.disconnect();setTimeout(start,0)}})})"
    ".observe({type:'paint',buffered:true})})()</script>"
)


def paint_first(html: str) -> str:
    """The page with its chunks fetched and started after its first paint; unchanged if it is not one."""
    start = START.search(html)
    if start is None or MARK in html:
        return html
    urls = PRELOAD.findall(html)
    scripts = SCRIPT_PRELOAD.findall(html)
    code = json.dumps(start.group(1)).replace("</", "<\\/")
    loader = LOADER.replace("{urls}", json.dumps(urls)).replace("{scripts}", json.dumps(scripts))
    html = html[: start.start()] + loader.replace("{code}", code) + html[start.end() :]
    return SCRIPT_PRELOAD.sub("", PRELOAD.sub("", html))


def rewrite_pages(static_dir: Path) -> int:
    """Rewrite every prerendered page of a build in place; how many were rewritten."""
    count = 0
    for page in static_dir.rglob("*.html"):
        before = page.read_text(encoding="utf-8")
        after = paint_first(before)
        if after != before:
            page.write_text(after, encoding="utf-8")
            count += 1
    return count
