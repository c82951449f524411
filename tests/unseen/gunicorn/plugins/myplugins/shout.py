import textwrap
import unicodedata


def run(s):
    return textwrap.shorten(unicodedata.name("ß") + " " + s, width=30)
