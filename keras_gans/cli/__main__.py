import sys

from keras_gans.cli import main

sys.exit(main())
