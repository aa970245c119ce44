"""BaseCommand, call_command and the shared options, as Django documents them."""

from io import StringIO

import pytest

from reinhardt.core.management import BaseCommand, CommandError, call_command, get_commands
from reinhardt.core.management.base import CommandParser, OutputWrapper


def test_call_command_runs_an_app_command_with_options(cmdapp):
    out = StringIO()
    call_command("dance", style="Jive", stdout=out)
    assert "I don't feel like dancing Jive." in out.getvalue()


def test_call_command_accepts_option_flags_and_positional_arguments(cmdapp):
    out = StringIO()
    call_command("dance", "--style", "Tango", "1", stdout=out)
    text = out.getvalue()
    assert "dancing Tango" in text and "You passed 1 as a positional argument." in text


def test_call_command_maps_option_names_to_dest(cmdapp):
    out = StringIO()
    call_command("dance", opt_3=True, stdout=out)
    assert "option3" in out.getvalue().split("\n")[1].split(",")


def test_call_command_rejects_unknown_options(cmdapp):
    with pytest.raises(TypeError, match=r"Unknown option\(s\) for dance command: nope"):
        call_command("dance", nope=1)


def test_call_command_passes_required_options_to_the_parser(cmdapp):
    out = StringIO()
    call_command("required_option", need_me="a", needme2="b", stdout=out)
    assert out.getvalue().strip() == "need_me=a,needme2=b"


def test_call_command_returns_what_handle_returns(cmdapp):
    assert call_command("dance", need_me="x", verbosity=0) == "needed x"


def test_unknown_command_is_a_command_error():
    with pytest.raises(CommandError, match="Unknown command: 'explode'"):
        call_command("explode")


def test_command_error_keeps_its_return_code(cmdapp):
    with pytest.raises(CommandError) as info:
        call_command("dance", example="raise")
    assert info.value.returncode == 3


def test_parser_errors_become_command_errors_under_call_command(cmdapp):
    with pytest.raises(CommandError, match="Error: argument integer: invalid int value"):
        call_command("dance", "not-a-number")


def test_app_commands_are_discovered_and_core_commands_always_present(cmdapp):
    commands = get_commands()
    assert commands["dance"] == "tests.management.cmdapp"
    assert commands["check"] == "reinhardt.core"
    assert commands["startapp"] == "reinhardt.core"


def test_a_command_instance_can_be_called():
    class Hello(BaseCommand):
        requires_system_checks: list = []

        def handle(self, *args, **options):
            return "hello"

    out = StringIO()
    assert call_command(Hello(), stdout=out) == "hello"
    assert out.getvalue() == "hello\n"


def test_output_wrapper_adds_the_ending_once_and_styles_only_terminals():
    stream = StringIO()
    wrapper = OutputWrapper(stream)
    wrapper.style_func = lambda text: f"<{text}>"
    wrapper.write("one")
    wrapper.write("two\n")
    wrapper.write("three", ending="")
    assert stream.getvalue() == "one\ntwo\nthree"  # StringIO is not a tty: no styling


def test_no_color_and_force_color_are_exclusive():
    with pytest.raises(CommandError, match="can't be used together"):
        BaseCommand(no_color=True, force_color=True)


def test_force_color_styles_output():
    class Shout(BaseCommand):
        requires_system_checks: list = []

        def handle(self, *args, **options):
            self.stdout.write(self.style.ERROR("boom"))

    out = StringIO()
    call_command(Shout(), stdout=out, force_color=True)
    assert out.getvalue() == "\x1b[31;1mboom\x1b[0m\n"


def test_command_parser_raises_command_error_for_missing_arguments():
    parser = CommandParser(missing_args_message="Give me something.",
                           called_from_command_line=False)
    with pytest.raises(CommandError, match="Error: Give me something."):
        parser.parse_args([])
