"""The command line's own words in Vietnamese: the help's headings and the messages typer and
click print for a missing option or an unknown command.

Typer translates some of its words with ``gettext`` (its modules bind ``gettext`` as ``_`` at
import): installing this catalogue rebinds those names in the modules already loaded. The
click it vendors (``typer._click``) writes the rest as plain English strings: the usage line's
prefix, the help option's text, the type labels and the usage errors are rewritten here. The
messages a person reads from nhansu itself come from the label catalogue
(``application.labels``)."""

from __future__ import annotations

import gettext
import re
import sys
from collections.abc import Callable
from typing import IO, Any

MESSAGES: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Arguments": "Tham số",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Error": "Lỗi",
    "Aborted.": "Đã hủy.",
    "Aborted!": "Đã hủy!",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu giá trị",
    "Missing command.": "Thiếu lệnh.",
    "Missing parameter: {param_name}": "Thiếu giá trị: {param_name}",
    "Missing {param_type}": "Thiếu {param_type}",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such option: {name}": "Không có tùy chọn: {name}",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name!r} nhận {nargs} giá trị.",
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các tham số ({args})",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: "
                                                 "{message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Try '{command} {option}' for help.": "Chạy '{command} {option}' để xem hướng dẫn.",
    "Try [blue]'{command_path} {help_option}'[/] for help.":
        "Chạy [blue]'{command_path} {help_option}'[/] để xem hướng dẫn.",
    "Error: {message}": "Lỗi: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là {number_type} hợp lệ.",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc {choices}.",
    "{value!r} is not a valid UUID.": "{value!r} không phải là UUID hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} không phải giá trị đúng/sai. Dùng: {states}",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "Install completion for the current shell.":
        "Cài tự hoàn thành lệnh cho shell đang dùng.",
    "Show completion for the current shell, to copy it or customize the installation.":
        "In mã tự hoàn thành lệnh cho shell đang dùng, để chép hoặc tự cài.",
    "Install completion for the specified shell.": "Cài tự hoàn thành lệnh cho shell đã chọn.",
    "Show completion for the specified shell, to copy it or customize the installation.":
        "In mã tự hoàn thành lệnh cho shell đã chọn, để chép hoặc tự cài.",
    "[default: {}]": "[mặc định: {}]",
    "[env var: {}]": "[biến môi trường: {}]",
    "[required]": "[bắt buộc]",
    "required": "bắt buộc",
    "default": "mặc định",
    "(deprecated) ": "(không dùng nữa) ",
    "integer": "số nguyên",
    "float": "số thực",
    "text": "chuỗi",
    "boolean": "đúng/sai",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is not readable.": "Không đọc được {name} {filename!r}.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
}


def translate(message: str) -> str:
    return MESSAGES.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


_TYPER_PANELS = {
    "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
    "DEFAULT_STRING": "[default: {}]", "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]", "DEPRECATED_STRING": "(deprecated) ",
}


def install() -> None:
    """Rebind the gettext functions of every loaded click/typer module to this catalogue."""
    originals: dict[Callable[..., str], Callable[..., str]] = {
        gettext.gettext: translate, gettext.ngettext: translate_plural}
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("click", "typer")):
            continue
        for attribute in ("_", "ngettext"):
            bound = getattr(module, attribute, None)
            if bound in originals:
                setattr(module, attribute, originals[bound])
    _install_vendored_click()
    _translate_completion_options()
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        for constant, english in _TYPER_PANELS.items():
            setattr(rich_utils, constant, translate(english))


TYPE_LABELS = {"<str>": "<chuỗi>", "<path>": "<đường dẫn>", "<int>": "<số nguyên>",
               "<float>": "<số>", "<bool>": "<có/không>", "<file>": "<tệp>",
               "<directory>": "<thư mục>"}
TYPE_NAMES = {"integer": "số nguyên", "int": "số nguyên", "float": "số", "text": "chuỗi",
              "boolean": "giá trị đúng/sai", "path": "đường dẫn"}
ERRORS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Missing argument '?([^'.]+)'?\.?(.*)"),
     lambda m: f"Thiếu tham số «{m[1]}».{_rest(m[2])}"),
    (re.compile(r"Missing option '?([^'.]+)'?\.?(.*)"),
     lambda m: f"Thiếu tùy chọn «{m[1]}».{_rest(m[2])}"),
    (re.compile(r"Missing parameter:? '?([^'.]+)'?\.?"),
     lambda m: f"Thiếu giá trị «{m[1]}»."),
    (re.compile(r"No such option: (\S+)\s*(?:\(Possible options: (.+)\))?"),
     lambda m: f"Không có tùy chọn {m[1]}." + (f" Có thể là: {m[2]}." if m[2] else "")),
    # typer appends its suggestion in English to a message click may have translated already
    (re.compile(r"(.+?)\.? Did you mean (.+)\?", re.S),
     lambda m: f"{translate_error(m[1]).rstrip('.')}. Có phải ý bạn là {m[2]}?"),
    (re.compile(r"No such command '?([^'.]+?)'?\.?"),
     lambda m: f"Không có lệnh «{m[1]}»."),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"),
     lambda m: f"Thừa tham số: {m[1]}."),
    (re.compile(r"Option '?([^']+)'? requires an argument\.?"),
     lambda m: f"Tùy chọn «{m[1]}» cần một giá trị."),
    (re.compile(r"Option '?([^']+)'? requires (\d+) arguments\.?"),
     lambda m: f"Tùy chọn «{m[1]}» cần {m[2]} giá trị."),
    (re.compile(r"Option '?([^']+)'? does not take a value\.?"),
     lambda m: f"Tùy chọn «{m[1]}» không nhận giá trị."),
    (re.compile(r"Invalid value for '?([^':]+)'?: (.+)", re.S),
     lambda m: f"Giá trị không hợp lệ cho «{m[1]}»: {translate_error(m[2])}"),
    (re.compile(r"Invalid value: (.+)", re.S),
     lambda m: f"Giá trị không hợp lệ: {translate_error(m[1])}"),
    (re.compile(r"(?:Value )?(.+) is not a valid (\w+)\.?"),
     lambda m: f"{m[1]} không phải {TYPE_NAMES.get(m[2], m[2])} hợp lệ."),
    (re.compile(r"(.+) is not in the range (.+)\.?"),
     lambda m: f"{m[1]} nằm ngoài khoảng {m[2]}."),
    (re.compile(r"(.+) is not one of (.+)\.?"),
     lambda m: f"{m[1]} không thuộc {m[2]}."),
    (re.compile(r"Missing command\.?"), lambda m: "Thiếu lệnh."),
    (re.compile(r"Input should be a valid integer.*", re.S),
     lambda m: "phải là một số nguyên."),
    (re.compile(r"Input should be a valid number.*", re.S),
     lambda m: "phải là một số."),
    (re.compile(r"Input should be (?:less|greater) than(?: or equal to)? (\S+).*", re.S),
     lambda m: f"phải {'không nhỏ hơn' if 'greater' in m[0] else 'không lớn hơn'} {m[1]}."),
]


def _rest(text: str) -> str:
    return f" {translate_error(text.strip())}" if text.strip() else ""


def translate_error(message: str) -> str:
    for pattern, replace in ERRORS:
        match = pattern.fullmatch(message.strip())
        if match:
            return replace(match)
    return message


def _translate_completion_options() -> None:
    """Typer declares --install-completion and --show-completion as defaults of placeholder
    functions, read when the command is built: their help is rewritten there."""
    import typer.completion

    for name in ("_install_completion_placeholder_function",
                 "_install_completion_no_auto_placeholder_function"):
        for option in getattr(getattr(typer.completion, name, None), "__defaults__", None) or ():
            if isinstance(getattr(option, "help", None), str):
                option.help = translate(option.help)


def _show_usage_error(self: Any, file: IO[Any] | None = None) -> None:
    """A usage error as nhansu's users read it: the usage line, where help is, the problem."""
    from typer._click.utils import echo

    stream = file or sys.stderr
    if self.ctx is not None:
        echo(self.ctx.get_usage(), file=stream)
        if self.ctx.command.get_help_option(self.ctx) is not None:
            echo(f"Chạy '{self.ctx.command_path} {self.ctx.help_option_names[0]}' để xem "
                 "hướng dẫn.\n", file=stream)
    echo(f"Lỗi: {translate_error(self.format_message())}", file=stream)


def _show_error(self: Any, file: IO[Any] | None = None) -> None:
    from typer._click.utils import echo

    echo(f"Lỗi: {translate_error(self.format_message())}", file=file or sys.stderr)


def _install_vendored_click() -> None:
    import typer.core
    from typer._click import decorators, exceptions, formatting

    write_usage = formatting.HelpFormatter.write_usage
    if getattr(write_usage, "__vietnamese__", False):
        return

    def vietnamese_usage(self: Any, prog: str, args: str = "",
                         prefix: str | None = None) -> None:
        write_usage(self, prog, args, "Cách dùng: " if prefix is None else prefix)

    vietnamese_usage.__vietnamese__ = True  # type: ignore[attr-defined]
    setattr(formatting.HelpFormatter, "write_usage", vietnamese_usage)  # noqa: B010

    help_option = decorators.help_option

    def vietnamese_help_option(*args: Any, **kwargs: Any) -> Any:
        decorate = help_option(*args, **kwargs)

        def apply(target: Any) -> Any:
            result = decorate(target)
            for param in getattr(target, "params", ())[-1:]:
                param.help = "Hiện hướng dẫn này rồi thoát."
            return result
        return apply

    decorators.help_option = vietnamese_help_option

    display_type = typer.core._TyperParameter.display_type

    def vietnamese_type(self: Any, ctx: Any) -> Any:
        shown = display_type(self, ctx)
        return TYPE_LABELS.get(shown, shown) if isinstance(shown, str) else shown

    typer.core._TyperParameter.display_type = vietnamese_type  # type: ignore[method-assign]
    exceptions.UsageError.show = _show_usage_error  # type: ignore[method-assign]
    exceptions.ClickException.show = _show_error  # type: ignore[method-assign]
