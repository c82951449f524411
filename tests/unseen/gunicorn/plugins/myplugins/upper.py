def run(s):
    return s.upper()
