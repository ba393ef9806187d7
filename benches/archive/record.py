"""Puts a table of the archive benchmark into BENCHMARKS.md, inside the section
"## Archive end to end (flowsieve vs DuckDB vs Polars)" between the markers of its archive size
(replacing the previous table of that size); creates the section at the end when missing. Never
touches other sections.

    python record.py BENCHMARKS.md TABLE.md RECORDS
"""

import sys

SECTION = "## Archive end to end (flowsieve vs DuckDB vs Polars)"


def main() -> None:
    path, table_path, records = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(table_path, encoding="utf-8") as f:
        table = f.read().rstrip("\n")
    begin = f"<!-- archive-bench records={records} begin -->"
    end = f"<!-- archive-bench records={records} end -->"
    block = f"{begin}\n{table}\n{end}"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{block}\n"
    elif begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        # At the end of the section: before the next "## " heading, or at the end of the file.
        start = text.index(SECTION)
        nxt = text.find("\n## ", start + len(SECTION))
        cut = len(text.rstrip("\n")) if nxt < 0 else nxt
        text = text[:cut].rstrip("\n") + f"\n\n{block}\n" + text[cut:]
    with open(path, "w", encoding="utf-8") as f:
        f.write(text if text.endswith("\n") else text + "\n")


if __name__ == "__main__":
    main()
