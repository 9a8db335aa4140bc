"""Printable, shareable step lists of the guided procedures (issue #6).

``GET /huong-dan/{answer_id}`` renders any knowledge entry that has steps as one
Vietnamese page a community tech team member (Tổ công nghệ số cộng đồng) can print
for a resident or send as a link; ``GET /api/guides/{answer_id}`` gives the same
content as JSON to other clients. Both read the database through KnowledgeStore on
every request, so an admin's edit shows at once. Every value from the entry is
escaped: admins edit it at runtime.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from starlette.convertors import PathConvertor, register_url_convertor

from api.knowledge.schemas import ANSWER_ID, Taxonomy
from api.knowledge.seeding import cached_taxonomy
from api.knowledge.store import Answer, KnowledgeStore
from api.routes.deps import SettingsDep
from api.routes.schemas.guides import GuideOut


class _AnyTextConvertor(PathConvertor):
    """Like ``path``, across line breaks too, so every address under the prefix
    reaches the id check: with ``.*`` Starlette's route pattern would let
    "/huong-dan/<id>%0A" serve <id> and send "a%0Ab" to the generic JSON 404."""

    regex = "(?s:.*)"


register_url_convertor("any_text", _AnyTextConvertor())

router = APIRouter(tags=["guides"])

PAGE_ROUTE = "guide_page"
NOT_FOUND_TITLE = "Không tìm thấy hướng dẫn"
NOT_FOUND_TEXT = (
    "Xin lỗi Anh/Chị, không tìm thấy hướng dẫn từng bước này. Đường link có thể "
    "đã cũ hoặc bị gõ sai."
)
NOT_FOUND_HELP = (
    "Anh/Chị hãy hỏi lại Trợ lý Bình dân học vụ số, hoặc nhờ Tổ công nghệ số cộng "
    "đồng ở xã/phường hỗ trợ trực tiếp."
)
NOT_FOUND_DETAIL = {
    "code": "not_found",
    "message": "Không tìm thấy hướng dẫn từng bước này.",
}
PRINT_BUTTON = "In trang này"
SHARE_BUTTON = "Chia sẻ đường link"
FOOTER_PRINTED = "Trang này được in từ Trợ lý Bình dân học vụ số."
FOOTER_HELP = (
    "Nếu còn vướng, Anh/Chị hỏi Trợ lý Bình dân học vụ số hoặc nhờ Tổ công nghệ số "
    "cộng đồng ở xã/phường hỗ trợ trực tiếp."
)
# The page loads only its own style and script (no inline code) and sends nothing
# anywhere; the web chat (same origin) may show it in a frame.
GUIDE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
GUIDE_HEADERS = {
    "Content-Security-Policy": GUIDE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Admins may edit the steps at any time: always ask the gateway before reuse.
    "Cache-Control": "no-cache",
}


async def _store(request: Request) -> KnowledgeStore:
    return KnowledgeStore(request.app.state.engine)


StoreDep = Annotated[KnowledgeStore, Depends(_store)]


def find_guide(store: KnowledgeStore, answer_id: str) -> Answer | None:
    """The entry ``answer_id`` if it is a guided procedure (has steps), else None.

    Anything that is not a well-formed answer id (a path, an over-long string) is
    refused before the database is asked."""
    if not ANSWER_ID.fullmatch(answer_id):
        return None
    answer = store.get(answer_id)
    return answer if answer is not None and answer.steps else None


def source_label(url: str, taxonomy: Taxonomy) -> str:
    """How the source is named on the page: the official site's title from
    seeds/topics.yml with the address to type ("Cổng Dịch vụ công quốc gia –
    dichvucong.gov.vn"), so a reader can check it is a .gov.vn page, on paper too."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    address = (host + parts.path).rstrip("/") if host else url
    matches = [
        (len(site), source.title)
        for source in taxonomy.sources
        if (site := (urlsplit(source.url).hostname or "").lower())
        and host
        and (host == site or host.endswith("." + site))
    ]
    return f"{max(matches)[1]} – {address}" if matches else address


# Under the source of a printed guide: when it was checked, or that it was not.
CHECKED = 'Đã kiểm tra với trang nguồn ngày: <time datetime="{iso}">{day}</time>'
NOT_CHECKED = (
    "Hướng dẫn này đang chờ cán bộ kiểm tra lại; Anh/Chị đối chiếu với trang nguồn."
)


def _checked(answer: Answer) -> str:
    if answer.verified_on is None:
        return f"<p>{NOT_CHECKED}</p>"
    day = answer.verified_on
    return "<p>" + CHECKED.format(iso=day.isoformat(), day=vn_date(day)) + "</p>"


def vn_date(day: date) -> str:
    """dd/mm/yyyy, as the bot writes its check dates."""
    return day.strftime("%d/%m/%Y")


@router.get("/api/guides/{answer_id:any_text}", response_model=GuideOut)
def guide_json(answer_id: str, request: Request, store: StoreDep) -> GuideOut:
    """A guided procedure as JSON, with the address of its printable page."""
    answer = find_guide(store, answer_id)
    if answer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    return GuideOut(
        id=answer.id,
        question=answer.question,
        answer=answer.answer,
        steps=answer.steps,
        source_url=answer.source_url,
        verified_on=answer.verified_on,
        print_url=str(request.url_for(PAGE_ROUTE, answer_id=answer.id)),
    )


@router.get(
    "/huong-dan/{answer_id:any_text}",
    name=PAGE_ROUTE,
    response_class=HTMLResponse,
    include_in_schema=False,
)
def guide_page(
    answer_id: str, request: Request, store: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    """The printable page of a guided procedure (a polite 404 page otherwise)."""
    answer = find_guide(store, answer_id)
    if answer is None:
        return HTMLResponse(
            _not_found_page(str(request.url_for("chat_page"))),
            status_code=status.HTTP_404_NOT_FOUND,
            headers=GUIDE_HEADERS,
        )
    taxonomy = cached_taxonomy(settings.seeds_dir)
    return HTMLResponse(
        _guide_page(
            answer,
            taxonomy,
            page_url=str(request.url_for(PAGE_ROUTE, answer_id=answer.id)),
            chat_url=str(request.url_for("chat_page")),
        ),
        headers=GUIDE_HEADERS,
    )


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _text(value: str) -> str:
    """Escaped text with its line breaks kept."""
    return "<br>\n".join(_e(line) for line in value.strip().splitlines())


def _link(url: str, label: str) -> str:
    """A link to ``url``, or the label alone when ``url`` is not a web address (an
    edit could store anything: never render a ``javascript:`` link)."""
    if urlsplit(url).scheme not in ("https", "http"):
        return _e(label)
    return f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(label)}</a>'


def _document(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{_e(title)} — Trợ lý Bình dân học vụ số</title>
<link rel="stylesheet" href="/static/guide.css">
</head>
<body>
{body}
<script src="/static/guide.js" defer></script>
</body>
</html>
"""


def _guide_page(
    answer: Answer, taxonomy: Taxonomy, page_url: str, chat_url: str
) -> str:
    labels = {t.code: t.label for t in taxonomy.topics}
    topic = labels.get(answer.topic)
    brand = "Trợ lý Bình dân học vụ số" + (f" · {_e(topic)}" if topic else "")
    steps = "\n".join(f"  <li>{_text(step)}</li>" for step in answer.steps)
    source = _link(answer.source_url, source_label(answer.source_url, taxonomy))
    body = f"""<main class="guide">
<header>
  <p class="brand">{brand}</p>
  <h1>{_e(answer.question)}</h1>
</header>
<div class="actions" hidden>
  <button type="button" id="print">{PRINT_BUTTON}</button>
  <button type="button" id="share">{SHARE_BUTTON}</button>
  <span id="share-status" role="status"></span>
</div>
<p class="answer">{_text(answer.answer)}</p>
<h2>Các bước thực hiện ({len(answer.steps)} bước)</h2>
<ol class="steps">
{steps}
</ol>
<section class="source" aria-label="Nguồn thông tin">
  <p>Nguồn: {source}</p>
  {_checked(answer)}
</section>
</main>
<footer>
  <p class="print-only">{FOOTER_PRINTED}</p>
  <p>{FOOTER_HELP}</p>
  <p>Hỏi Trợ lý: {_link(chat_url, chat_url)}</p>
  <p>Bản mới nhất của hướng dẫn này: {_link(page_url, page_url)}</p>
</footer>"""
    return _document(answer.question, body)


def _not_found_page(chat_url: str) -> str:
    body = f"""<main class="guide">
<header>
  <p class="brand">Trợ lý Bình dân học vụ số</p>
  <h1>{NOT_FOUND_TITLE}</h1>
</header>
<p class="answer">{NOT_FOUND_TEXT}</p>
<p>{NOT_FOUND_HELP}</p>
<p>{_link(chat_url, "Hỏi Trợ lý Bình dân học vụ số")}</p>
</main>"""
    return _document(NOT_FOUND_TITLE, body)
