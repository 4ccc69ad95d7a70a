"""The chat page, the widget and the console speak the page's language (config/ui.yml):
?lang= first, then Accept-Language, then English; English pages keep today's words,
a broken ui.yml stops the server, and translated words stay text, never markup."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from bot.config.errors import ConfigError
from bot.config.ui_strings import languages, load_ui, missing, parse_ui, pick_language, ui_path, ui_strings
from bot.records import agents, writes
from bot.web.pages import render_index
from tests.support.records_fixtures import add_loan
from tests.support.html_page import Page
from tests.support.web_app import InProcessWeb, web_config

STATIC = Path(__file__).resolve().parents[3] / "bot" / "web" / "static"
LOAN = "LN-LANG-1"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN, ZH_TEXT = ui_strings("en"), ui_strings("zh")


@pytest.mark.parametrize("query, accept, expected", [
    (None, None, "en"),
    (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    (None, "zh-Hans", "zh"),
    (None, "en-GB,en;q=0.9,zh;q=0.8", "en"),
    (None, "fr-FR, de;q=0.8", "en"),
    (None, "en;q=0.2, zh-TW;q=0.7", "zh"),       # by q, not by position
    (None, "zh;q=0, en", "en"),                  # q=0 means "not this one"
    ("zh", "en-US", "zh"),                       # ?lang= wins
    ("zh-CN", None, "zh"),
    ("en", "zh-CN", "en"),
    ("fr", "zh", "zh"),                          # an unsupported ?lang= falls through
    ("xx", None, "en"),
    ("<script>", "garbage;;q=x", "en"),
])
def test_the_language_rule(query, accept, expected):
    assert pick_language(query, accept, languages()) == expected


def test_the_shipped_file_has_every_text_in_chinese_and_english_first():
    assert languages()[0] == "en" and "zh" in languages()
    raw = yaml.safe_load(ui_path().read_text(encoding="utf-8"))
    assert missing(raw, "zh") == []
    for group, keys in EN.items():
        assert set(ZH_TEXT[group]) == set(keys)
        words = {k: re.sub(r"\{\w+\}|UTC", "", text) for k, text in keys.items()}
        assert [k for k in keys if ZH_TEXT[group][k] == keys[k] and re.search("[A-Za-z]{2}", words[k])] == []


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "ui.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_key_english_lacks_stops_the_loader_with_its_path(tmp_path):
    path = write(tmp_path, {"en": {"page": {"send": "Send"}}, "zh": {"page": {"send": "发送", "sned": "发送"}}})
    with pytest.raises(ConfigError, match=r"zh\.page\.sned: unknown key"):
        load_ui(path)


@pytest.mark.parametrize("zh, message", [
    ({"page": {"hello": "你好{names}"}}, r"zh\.page\.hello: uses \['names'\], en uses \['name'\]"),
    ({"pages": {"hello": "你好{name}"}}, r"zh\.pages: unknown group"),
    ({"page": {"hello": ""}}, r"zh\.page\.hello: must be a non-empty text"),
    ({"page": {"hello": "你好{name"}}, r"zh\.page\.hello"),
])
def test_translations_that_would_break_a_page_are_refused(tmp_path, zh, message):
    with pytest.raises(ConfigError, match=message):
        parse_ui({"en": {"page": {"hello": "Hello {name}", "bye": "Bye"}}, "zh": zh}, "ui.yml")


def test_a_key_a_template_could_not_read_is_refused():
    with pytest.raises(ConfigError, match=r"en\.page\.items: reserved name"):
        parse_ui({"en": {"page": {"items": "Items"}}}, "ui.yml")


def test_a_missing_translation_is_shown_in_english(tmp_path):
    found = load_ui(write(tmp_path, {"en": {"page": {"hello": "Hello", "bye": "Bye"}},
                                     "zh": {"page": {"hello": "你好"}}}))
    assert found["zh"]["page"] == {"hello": "你好", "bye": "Bye"}


def test_every_key_the_scripts_read_is_in_ui_yml():
    widget = (STATIC / "widget.js").read_text(encoding="utf-8")
    console = (STATIC / "console.js").read_text(encoding="utf-8")
    assert set(re.findall(r"\bS\.(\w+)", widget)) <= set(EN["widget"])
    used = set(re.findall(r'\bt\("(\w+)"', console))
    assert len(used) > 20 and used <= set(EN["console"])
    # A page that embeds the widget without data-strings shows ui.yml's English.
    english = re.search(r"var ENGLISH = (\{.*?\});", widget, re.S).group(1)
    assert json.loads(english) == EN["widget"]


# ---------- the chat page ------------------------------------------------------

@pytest.fixture(scope="module")
def web(records_db):
    add_loan(records_db, LOAN)
    with records_db.session() as s:
        agents.create_agent(s, "lin", "correct-horse-battery", role="agent")
        case = writes.open_handoff(s, loan_id=LOAN, borrower_id=None, conversation_id="lang-conv", reason="asked",
                                   summary={"last_message": "hi", "verified": False})
        token = agents.create_session(s, agents.find_agent(s, "lin"))
        case_id = case.id
    with InProcessWeb(web_config(records_db.url)) as app:
        yield SimpleNamespace(app=app, case_id=case_id, cookie={"Cookie": f"console_session={token}"})


def chat_page(web, path: str = "/", headers: dict | None = None) -> tuple[Page, dict]:
    answer = web.app.request("GET", path, headers=headers or {})
    assert answer.status == 200
    page = Page(answer.body.decode())
    return page, answer.headers


def widget_strings(page: Page) -> tuple[dict, dict]:
    script = next(attrs for tag, attrs in page.tags if tag == "script" and attrs.get("src") == "/static/widget.js")
    return json.loads(script["data-strings"]), script


def test_the_english_chat_page_keeps_todays_words(web):
    page, headers = chat_page(web)
    strings, script = widget_strings(page)
    assert page.first("html")["lang"] == "en" and headers["Content-Language"] == "en"
    assert "Tawi Credit | chat with Tawi Assistant" in page.text
    assert ("Questions about your loan? Tawi Assistant is Tawi Credit's automated assistant. It can tell you "
            "what you owe and help you arrange a payment.") in page.text
    assert script["data-title"] == "Chat with Tawi Assistant" and script["data-lang"] == "en"
    assert strings == EN["widget"] and strings["send"] == "Send" and strings["connecting"] == "Connecting…"


def test_a_chinese_browser_gets_the_chinese_chat_page(web):
    page, headers = chat_page(web, headers=ZH)
    strings, script = widget_strings(page)
    assert page.first("html")["lang"] == "zh" and headers["Content-Language"] == "zh"
    assert "Accept-Language" in headers["Vary"]
    assert "Tawi Credit | 与Tawi Assistant对话" in page.text
    assert any(text.startswith("对您的贷款有疑问吗？") for text in page.text)
    assert script["data-title"] == "与Tawi Assistant对话" and script["data-lang"] == "zh"
    assert strings == ZH_TEXT["widget"] and strings["send"] == "发送" and strings["you"] == "您："


@pytest.mark.parametrize("path, headers, lang", [
    ("/?lang=zh", {"Accept-Language": "en-US,en;q=0.9"}, "zh"),
    ("/?lang=zh-Hans", {}, "zh"),
    ("/?lang=en", ZH, "en"),
    ("/?lang=tlh", {}, "en"),
    ("/?lang=tlh", ZH, "zh"),
    ("/", {"Accept-Language": "sw-KE, fr;q=0.5"}, "en"),
])
def test_lang_parameter_and_accept_language_pick_the_page_language(web, path, headers, lang):
    page, _ = chat_page(web, path, headers)
    strings, script = widget_strings(page)
    assert page.first("html")["lang"] == lang and script["data-lang"] == lang
    assert strings == ui_strings(lang)["widget"]


# ---------- the widget itself (run under node with a stand-in DOM) ------------------

WIDGET_HARNESS = r"""
const vm = require("vm"), fs = require("fs");
const [file, dataset] = [process.argv[1], JSON.parse(process.argv[2])];
const byId = {}, shown = [], emitted = [], handlers = {};
function Node(tag) { this.tagName = tag; this.attrs = {}; this.listeners = {}; this.children = []; this.value = ""; }
Node.prototype = {
  setAttribute(k, v) { this.attrs[k] = String(v); if (k === "id") { byId[v] = this; } },
  getAttribute(k) { return this.attrs[k]; }, appendChild(c) { this.children.push(c); return c; },
  insertBefore(c) { return this.appendChild(c); }, addEventListener(e, f) { this.listeners[e] = f; },
  querySelector() { return null; }, querySelectorAll() { return []; }, remove() {}, focus() {},
  set textContent(t) { shown.push(t); }, get textContent() { return ""; }
};
const store = () => { const m = {}; return { getItem: k => (k in m ? m[k] : null), setItem: (k, v) => { m[k] = v; } }; };
const socket = { on(name, f) { handlers[name] = f; }, emit(name, body) { emitted.push([name, body]); } };
const container = new Node("div");
const sandbox = {
  document: { currentScript: Object.assign(new Node("script"), { dataset, src: "http://bot/static/widget.js",
                                                                  parentNode: container }),
              readyState: "complete", head: new Node("head"), createElement: t => new Node(t),
              createTextNode: t => { shown.push(t); return new Node("#text"); },
              querySelector: s => (s === "#chat" ? container : null) },
  location: { protocol: "http:", hostname: "bot" }, URL, JSON,
  localStorage: store(), sessionStorage: store(), setTimeout() { return 0; }, clearTimeout() {},
  io: () => socket
};
sandbox.window = sandbox;
vm.runInNewContext(fs.readFileSync(file, "utf8"), sandbox);
handlers.connect();
handlers.session_confirm({ session_id: "web-" + "0".repeat(32), session_secret: "s" });
byId["chat-input"].value = "hello";
byId["chat-form"].listeners.submit({ preventDefault() {} });
const aria = Object.values(byId).map(n => n.attrs["aria-label"]).filter(Boolean);
console.log(JSON.stringify({ shown, emitted, aria }));
"""


def run_widget(dataset: dict) -> dict:
    if not shutil.which("node"):
        pytest.skip("node is not installed")
    done = subprocess.run(["node", "-e", WIDGET_HARNESS, str(STATIC / "widget.js"), json.dumps(dataset)],
                          capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def test_the_widget_shows_the_pages_words_and_tells_the_bot_the_language(web):
    page, _ = chat_page(web, "/?lang=zh")
    _, script = widget_strings(page)
    dataset = {"strings": script["data-strings"], "lang": script["data-lang"], "title": script["data-title"],
               "botName": script["data-bot-name"], "container": "#chat"}
    ran = run_widget(dataset)
    zh = ZH_TEXT["widget"]
    for text in (zh["connected"], zh["hint"], zh["your_message"], zh["send"], zh["you"], "Tawi Assistant正在输入…"):
        assert text in ran["shown"], text
    assert zh["conversation"] in ran["aria"]
    assert not {"Send", "Your message", "You: ", "Connected"} & set(ran["shown"])
    said = [body for name, body in ran["emitted"] if name == "user_uttered"]
    assert said == [{"message": "hello", "session_id": "web-" + "0" * 32, "metadata": {"language": "zh"}}]


def test_a_widget_embedded_without_strings_speaks_english_and_keeps_the_token():
    ran = run_widget({"authToken": "a.b.c", "container": "#chat"})
    assert {"Connected", "Send", "Your message", "You: ", "Chat with us", "Assistant is typing…"} <= set(ran["shown"])
    said = [body for name, body in ran["emitted"] if name == "user_uttered"]
    assert said[0]["metadata"] == {"language": "en", "auth_token": "a.b.c"}


# ---------- the console --------------------------------------------------------

def console_page(web, path: str, headers: dict | None = None, status: int = 200) -> tuple[Page, str]:
    answer = web.app.request("GET", path, headers={**web.cookie, **(headers or {})})
    assert answer.status == status, path
    html = answer.body.decode()
    return Page(html), html


def test_the_english_console_keeps_todays_words(web):
    login, _ = console_page(web, "/console/login", {"Cookie": ""})
    assert login.first("html")["lang"] == "en"
    assert {"Agent log in", "Username", "Password", "Log in"} <= set(login.text)
    queue, _ = console_page(web, "/console")
    assert {"Queue", "Borrower and loan", "Log out", "Priority: normal", f"Take case {web.case_id}",
            "identity not verified"} <= set(queue.text)
    case, _ = console_page(web, f"/console/cases/{web.case_id}")
    assert {f"Case {web.case_id}: asked", "Back to the queue", "Take this case", "Send reply"} <= set(case.text)


def test_a_chinese_agent_gets_the_chinese_console(web):
    login, _ = console_page(web, "/console/login", {"Cookie": "", **ZH})
    assert login.first("html")["lang"] == "zh"
    assert {"坐席登录", "用户名", "密码", "登录"} <= set(login.text) and "Agent log in" not in login.text
    queue, html = console_page(web, "/console", ZH)
    assert queue.first("html")["lang"] == "zh"
    assert {"待处理队列", "借款人和贷款", "退出登录", "优先级：普通", f"接手案件 {web.case_id}", "身份未验证"} <= set(queue.text)
    assert not {"Queue", "Log out", "Priority: normal"} & set(queue.text)
    body = queue.first("body")
    assert json.loads(body["data-strings"]) == ZH_TEXT["console"] and body["data-lang-query"] == ""
    rows, _ = console_page(web, "/console/queue-rows", ZH)
    assert f"接手案件 {web.case_id}" in rows.text
    case, _ = console_page(web, f"/console/cases/{web.case_id}", ZH)
    assert {f"案件 {web.case_id}：asked", "返回队列", "接手此案件", "发送回复"} <= set(case.text)
    missing_case, _ = console_page(web, "/console/cases/99999", ZH, status=404)
    assert "案件 99999 不存在" in missing_case.text


def test_lang_parameter_on_the_console_is_kept_by_its_links_forms_and_refresh(web):
    queue, _ = console_page(web, "/console?lang=zh", {"Accept-Language": "en"})
    assert queue.first("html")["lang"] == "zh" and "待处理队列" in queue.text
    assert queue.first("table")["data-refresh"] == "/console/queue-rows?lang=zh"
    assert f"/console/cases/{web.case_id}?lang=zh" in [a.get("href") for tag, a in queue.tags if tag == "a"]
    assert queue.first("form")["action"] == "/console/logout?lang=zh"
    assert queue.first("body")["data-lang-query"] == "?lang=zh"
    english, _ = console_page(web, "/console?lang=xx", {"Accept-Language": "en"})
    assert english.first("html")["lang"] == "en" and english.first("form")["action"] == "/console/logout"


def test_a_failed_login_is_told_in_the_agents_language(web):
    for headers, text in (({}, "Wrong username or password."), (ZH, "用户名或密码错误。")):
        answer = web.app.request("POST", "/console/login", data={"username": "lin", "password": "wrong"},
                                 headers={"Origin": web.app.origin, **headers})
        assert answer.status == 401 and text in Page(answer.body.decode()).text


# ---------- escaping ---------------------------------------------------------

EVIL = '<script>alert(1)</script>" onmouseover="x'


def test_translated_words_and_names_stay_text(tmp_path, monkeypatch):
    """A translation (or a lender name) with markup in it is shown as those characters."""
    data = yaml.safe_load(ui_path().read_text(encoding="utf-8"))
    data["zh"]["widget"]["send"] = EVIL
    data["zh"]["page"]["intro"] = EVIL + "{lender}{assistant}"
    data["zh"]["console"]["login_heading"] = EVIL
    monkeypatch.setenv("UI_YML", str(write(tmp_path, data)))
    config = SimpleNamespace(lender_name=EVIL, assistant_name="Ada", rasa_url="http://localhost:5005")
    html = render_index(config, None, "zh")
    page = Page(html)
    assert "<script>alert(1)" not in html and '" onmouseover="' not in html
    assert [a for _, attrs in page.tags for a in attrs if a.startswith("on")] == []
    assert [tag for tag, attrs in page.tags if tag == "script"] == ["script"]
    assert EVIL + EVIL + "Ada" in page.text               # the intro, with the names filled in
    strings, _ = widget_strings(page)
    assert strings["send"] == EVIL                         # handed to the widget unchanged, as data
    from bot.web.render import render
    login = render("console_login.html", title="x", lender="L", agent=None, message="", username="", lang="zh",
                   t=ui_strings("zh")["console"], lang_query="", console_strings=json.dumps({"k": EVIL}))
    assert "<script>alert(1)" not in login and EVIL in Page(login).text
    assert json.loads(Page(login).first("body")["data-strings"]) == {"k": EVIL}
