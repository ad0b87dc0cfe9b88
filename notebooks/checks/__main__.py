"""python -m checks digest NOTEBOOK K VALUE [--decimals D | --sig S]   (run from notebooks/)

Prints the digest of VALUE (a Python literal such as 0.125, "(32, 8)" or sigmoid) for exercise K of NOTEBOOK,
to store in notebooks/checks/nbNOTEBOOK.py.
"""
import argparse
import ast

from . import digest

parser = argparse.ArgumentParser(prog="python -m checks")
parser.add_argument("command", choices=["digest"])
parser.add_argument("notebook")
parser.add_argument("k")
parser.add_argument("value")
parser.add_argument("--decimals", type=int)
parser.add_argument("--sig", type=int)
args = parser.parse_args()
try:
    value = ast.literal_eval(args.value)
except (ValueError, SyntaxError):
    value = args.value  # a short answer, such as sigmoid
k = int(args.k) if args.k.isdigit() else args.k
print(digest(args.notebook, k, value, args.decimals, args.sig))
