import os
import sys

# training/ is a flat folder of scripts, not a package: make its modules importable from the tests.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
