"""`keras-gans demo`: a local web page (Gradio) to explore a model: seed, class, truncation, interpolation.

    keras-gans demo --preset mnist_small --port 7860

Serves on http://127.0.0.1:<port>/ only (this machine) until Ctrl-C. Needs `pip install "keras-gans[demo]"`.
"""

from keras_gans.cli.generate import add_model_arguments
from keras_gans.cli.generate import load_model_or_exit


def _fail(message):
    raise SystemExit(f"keras-gans demo: {message}")


def register(commands):
    """Adds the `demo` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "demo", help="serve a local web page to explore a model (Gradio)", description=__doc__.split("\n\n")[0]
    )
    add_model_arguments(parser)
    parser.add_argument("--port", type=int, default=7860, help="port on 127.0.0.1")
    parser.set_defaults(func=demo_command)
    return parser


def demo_command(args, block=True):
    """Runs `keras-gans demo` with parsed arguments; with `block=False` returns `(demo, url)` while it serves."""
    from keras_gans.explore.demo import serve_demo

    if not 0 < args.port < 65536:
        _fail(f"--port must be in [1, 65535], got {args.port}.")
    model = load_model_or_exit(args, _fail)
    title = f"keras-gans: {args.preset or args.checkpoint}"
    try:
        demo, url = serve_demo(model, port=args.port, block=False, title=title)
    except (ImportError, OSError) as e:
        _fail(str(e))
    print(f"Serving the demo at {url} (Ctrl-C stops it).", flush=True)
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo, url
