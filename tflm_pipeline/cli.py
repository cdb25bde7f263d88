"""`tflm-deploy`: each command is one library call; user errors print one line and exit 1."""

from __future__ import annotations

import functools
import json
import sys

import click

from .errors import PipelineError


def _user_errors(fn):
    """Turn a PipelineError into ``error: <one line>`` on stderr and exit status 1."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PipelineError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    return wrapper


@click.group()
@click.version_option(package_name="tflm-pipeline")
def main():
    """Keras -> int8 TFLite -> compiled Cortex-M firmware, checked against TFLM."""


@main.command()
@click.argument("model", type=click.Path(exists=True))
@click.option("--rep-data", required=True, type=click.Path(exists=True, dir_okay=False),
              help="An .npz with an array 'x' of representative float inputs.")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
              help="Directory for model.tflite, model_data.cc/.h, resolver.h, report.json.")
@click.option("--allow-float", is_flag=True, help="Accept float ops left in the converted graph.")
@click.option("--fused-lstm", is_flag=True,
              help="Keep LSTMs rolled (UNIDIRECTIONAL_SEQUENCE_LSTM) instead of unrolling them.")
@click.option("--quantize", type=click.Choice(["int8", "ternary"]), default="int8", show_default=True,
              help="ternary: export a ternary-trained model's weights as {-1,0,1} codes.")
@click.option("--pack", is_flag=True,
              help="With --quantize ternary: 2-bit packed weights in the TPL_TERNARY_FC custom op.")
@_user_errors
def convert(model, rep_data, output, allow_float, fused_lstm, quantize, pack):
    """Convert a Keras MODEL (.keras, .h5 or SavedModel folder) to full-integer int8."""
    from .convert import convert_file

    files = convert_file(model, rep_data, output, allow_float=allow_float, fused_lstm=fused_lstm,
                         quantize=quantize, pack=pack)
    for name, path in files.items():
        click.echo(f"wrote {path}")


@main.command()
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--no-tflm", is_flag=True, help="Skip measuring TFLM's arena (no subprocess).")
@_user_errors
def inspect(model, as_json, no_tflm):
    """Ops, MACs, tensors, weight bytes and arenas (TFLM's and ours) of a .tflite MODEL."""
    from .inspection import format_table, inspect_model

    info = inspect_model(model, measure_tflm=not no_tflm)
    click.echo(json.dumps(info.to_dict(), indent=2) if as_json else format_table(info))


@main.command(name="compile")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
              help="Directory for model.c/.h and the kernel sources they need.")
@_user_errors
def compile_cmd(model, output):
    """Compile a .tflite MODEL ahead of time to C for the tflm-pipeline runtime."""
    from .compiler.export import compile_file

    compiled, files = compile_file(model, output)
    click.echo(f"wrote {len(files)} files to {output}: arena {compiled.arena_bytes:,} bytes, "
               f"constants {compiled.constant_bytes:,} bytes, {compiled.macs:,} MACs")


@main.command()
@_user_errors
def boards():
    """List the boards `emulate` knows: core, clock, flash, RAM, QEMU machine."""
    from .emulate.boards import board_rows

    rows = board_rows()
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in keys}
    click.echo("  ".join(k.ljust(widths[k]) for k in keys))
    for r in rows:
        click.echo("  ".join(r[k].ljust(widths[k]) for k in keys))


@main.command()
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--board", required=True, help="Board name (see `tflm-deploy boards`).")
@click.option("--inputs", type=click.Path(exists=True, dir_okay=False),
              help=".npy with examples for the model's input (.npz with x0, x1... for several); "
                   "floats are quantized with the input's scale. Default: random int8 vectors.")
@click.option("--examples", default=10, show_default=True, help="Random examples when --inputs is not given.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random examples.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_user_errors
def emulate(model, board, inputs, examples, seed, as_json):
    """Build firmware for MODEL, run it on an emulated BOARD, compare with TFLM.

    Exit status 0 only when every output is bit-exact and the program fits the board.
    """
    from .emulate.check import check_on_board, format_report, load_input_file

    arrays = load_input_file(inputs) if inputs else None
    report = check_on_board(model, board, arrays, examples=examples, seed=seed, progress=not as_json)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else format_report(report))
    if not report.ok:
        click.echo(f"error: {report.reason}", err=True)
        sys.exit(1)


@main.command()
@click.option("--output", "-o", default="demo_out", show_default=True, type=click.Path(file_okay=False))
@click.option("--epochs", default=12, show_default=True)
@click.option("--board", default="mps2-an386", show_default=True)
@_user_errors
def demo(output, epochs, board):
    """Train on real activity data, convert, inspect and emulate: the whole pipeline."""
    from .demo import run_demo

    summary = run_demo(output, epochs=epochs, board=board)
    if not (summary["bit_exact"] and summary["fits"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
