"""Screenshots of the main pages of each demo role, taken from a fresh demo city.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--dataset-scale 1]
                                            [--chromium /usr/bin/chromium] [--only NAME ...]

Makes a new GOVDATA_HOME in a temporary folder, runs ``govdata init`` and ``govdata demo`` there, serves it
with ``govdata serve --no-jobs`` on a free loopback port, signs in once as each role in headless Chromium
(1440×900, zh-CN) and saves the first 1800 px of each page below as a PNG in the output folder; then stops
the server it started (by its pid) and removes the temporary folder. With pngquant on the PATH the images
are reduced to 256 colours (a third of the size, no visible change); without it they stay as Chromium
wrote them. Date fields show 年/月/日 when Chromium's Chinese locale is installed (Debian: chromium-l10n),
else mm/dd/yyyy. Fonts: Noto Sans CJK (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--lang=zh-CN"]
# date and time fields drawn in Chinese (年/月/日) when Chromium has its zh-CN locale (Debian: chromium-l10n)
CHROMIUM_ENV = {"LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN:zh"}
WIDTH, HEIGHT, MAX_HEIGHT = 1440, 900, 1800


@dataclass(frozen=True)
class Shot:
    name: str  # file name without .png
    role: str  # demo account that signs in
    path: str  # page to open
    follow: str = ""  # then follow the first link matching this CSS selector, when given
    caption: str = ""  # what the picture shows (Chinese, for the README)


SHOTS = [
    Shot("admin-home", "admin", "/", caption="平台管理员的首页：待办事项按期限排列，本部门与全市监督数字一目了然"),
    Shot("catalog", "ps_manager", "/catalog", caption="数据目录：按名称、部门、共享类型检索，左侧为资源分类"),
    Shot("catalog-entry", "ps_manager", "/catalog/101000000-000001",
         caption="一条目录：信息项、共享与开放属性、版本与审核记录"),
    Shot("dataset", "ps_manager", "/aggregation/datasets/101000000-000001",
         caption="数据汇聚：一个数据集的质量评分与趋势、汇聚批次与血缘"),
    Shot("sharing-resources", "hr_manager", "/sharing/resources",
         caption="共享资源：按无条件共享、有条件共享、暂不共享浏览并申请"),
    Shot("request-review", "ps_reviewer", "/sharing/requests?box=review", follow="[data-testid=requests-table] a",
         caption="提供部门审核共享申请：设定信息项、脱敏方式、行范围与调用限额"),
    Shot("grants", "hr_manager", "/sharing/grants", caption="共享授权：本部门使用与提供的授权及其条件"),
    Shot("usage", "supervisor", "/sharing/usage", caption="使用情况：每日调用与返回条数、主要使用部门与最终用户"),
    Shot("misuse", "supervisor", "/sharing/misuse", caption="违规发现：超量调用、超期调用、超范围调用与批量导出个人信息"),
    Shot("audit", "sec_regulator", "/audit", caption="审计日志：链式哈希保护的每一次操作，可按人员、操作与结果筛选"),
    Shot("data-user-home", "mca_user", "/", caption="数据使用人员的首页：起草的共享申请及其去向"),
    Shot("finance-home", "finance", "/", caption="财政查阅员的首页：本角色可看的页面与用途"),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def govdata(home: Path, *args: str, **popen: object) -> subprocess.Popen[bytes]:
    """``govdata ARGS`` of this virtual environment with GOVDATA_HOME set to ``home``."""
    env = {**os.environ, "GOVDATA_HOME": str(home)}
    for name in ("GOVDATA_DATABASE_URL", "GOVDATA_DATA_DATABASE_URL", "GOVDATA_SECRET_KEY", "GOVDATA_REDIS_URL"):
        env.pop(name, None)  # the fresh home's own database and secret, whatever the shell has
    return subprocess.Popen([sys.executable, "-m", "govdata.cli", *args], env=env, **popen)  # type: ignore[call-overload]


def run(home: Path, *args: str) -> None:
    process = govdata(home, *args, stdout=subprocess.DEVNULL)
    if process.wait() != 0:
        sys.exit(f"govdata {' '.join(args)} failed")


def wait_until_up(base_url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("govdata serve stopped before it answered")
        try:
            if httpx.get(f"{base_url}/login", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"govdata serve did not answer within {timeout:.0f} s")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server this script started, by its pid."""
    if server.poll() is None:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait(5)


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("whoami").wait_for()


def shoot(page: Page, shot: Shot, out: Path) -> Path:
    response = page.goto(shot.path)
    if response is None or response.status >= 400:
        raise RuntimeError(f"{shot.name}: {shot.path} answered {response.status if response else 'nothing'}")
    if shot.follow:
        page.locator(shot.follow).first.click()
        page.wait_for_load_state()
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(1200)  # ECharts animates its charts in for a second
    height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
    path = out / f"{shot.name}.png"
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
    return path


def shrink(path: Path) -> None:
    """256 colours with pngquant, when it is installed (keeps the original when pngquant declines)."""
    pngquant = shutil.which("pngquant")
    if pngquant:
        subprocess.run([pngquant, "--force", "--skip-if-larger", "--strip", "--quality", "70-95",
                        "--output", str(path), "--", str(path)], check=False)


def take(browser: Browser, base_url: str, shots: list[Shot], out: Path) -> None:
    from govdata.org.demo_data import ACCOUNTS

    passwords = {a["username"]: a["password"] for a in ACCOUNTS}
    for role in dict.fromkeys(s.role for s in shots):
        context = browser.new_context(locale="zh-CN", base_url=base_url, device_scale_factor=1,
                                      viewport={"width": WIDTH, "height": HEIGHT})
        context.set_default_timeout(20_000)
        try:
            page = context.new_page()
            sign_in(page, role, passwords[role])
            for shot in (s for s in shots if s.role == role):
                path = shoot(page, shot, out)
                shrink(path)
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  "
                      f"{path.stat().st_size // 1024} KiB  ({role} {page.url.removeprefix(base_url)})")
        finally:
            context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--dataset-scale", default="1", help="share of the demo datasets' rows (govdata demo)")
    parser.add_argument("--chromium", default=os.environ.get("GOVDATA_TEST_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--only", nargs="*", help="names of the screenshots to take (default: all)")
    args = parser.parse_args()
    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="govdata-screenshots-") as tmp:
        home = Path(tmp) / "home"
        started = time.monotonic()
        run(home, "init")
        run(home, "demo", "--dataset-scale", args.dataset_scale)
        print(f"demo city loaded in {time.monotonic() - started:.0f} s")
        port = free_port()
        server = govdata(home, "serve", "--no-jobs", "--host", "127.0.0.1", "--port", str(port),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(base_url, server)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS,
                                             env={**os.environ, **CHROMIUM_ENV})
                try:
                    take(browser, base_url, shots, args.out)
                finally:
                    browser.close()
        finally:
            stop(server)


if __name__ == "__main__":
    main()
