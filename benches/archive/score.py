"""Scores an answer of the archive benchmark against the archive's truth.json.

    python score.py DIR/truth.json SCOPE ANSWER.json

SCOPE is a flow log's name in truth.json (`default`, `custom`) or `all` (both flow logs read
together: a rule is used when either log credits it, unknown only when every log says unknown;
hotspot counts add up, ranked again). ANSWER is a `flowsieve analyze --format json` report or a
peer's answer (`{"unused": [...], "reject_hotspots": [...]}`). Prints the score as JSON:
unused-rule precision and recall, and the top-5 hotspot overlap on the (group_ids, dst_port,
protocol, peer_class) key.
"""

from __future__ import annotations

import json
import sys


def hotspot_key(h: dict) -> tuple:
    return (tuple(sorted(h["group_ids"])), h["dst_port"], h["protocol"], h["peer_class"])


def rank(hotspots: list[dict]) -> list[dict]:
    """The ranking of docs/semantics.md: private sources before the internet (`external`), then
    records, packets descending, then the key ascending."""
    return sorted(hotspots, key=lambda h: (h["peer_class"] == "external", -h["records"],
                                           -h["packets"], hotspot_key(h)))


def truth_for(truth: dict, scope: str) -> tuple[set[str], list[tuple]]:
    """(the unused rule ids, the ranked hotspot keys) of a scope."""
    logs = truth["flow_logs"] if scope == "all" else [
        fl for fl in truth["flow_logs"] if fl["name"] == scope]
    if not logs:
        raise SystemExit(f"score.py: no flow log named {scope!r} in the truth")
    status: dict[str, set[str]] = {}
    for fl in logs:
        for r in fl["rules"]:
            status.setdefault(r["rule_id"], set()).add(r["status"])
    # Together: used if any log credits the rule; unused if none does and some log has an ENI
    # of its group (status unused there); unknown otherwise.
    unused = {rid for rid, s in status.items() if "used" not in s and "unused" in s}
    sums: dict[tuple, dict] = {}
    for fl in logs:
        for h in fl["reject_hotspots"]:
            k = hotspot_key(h)
            acc = sums.setdefault(k, {**h, "records": 0, "packets": 0})
            acc["records"] += h["records"]
            acc["packets"] += h["packets"]
    return unused, [hotspot_key(h) for h in rank(list(sums.values()))]


def answer_of(doc: dict) -> tuple[set[str], list[tuple]]:
    """(the unused rule ids, the ranked hotspot keys) of an answer."""
    if "rules" in doc:  # a flowsieve report
        unused = {r["rule_id"] for r in doc["rules"] if r["status"] == "unused"}
    else:
        unused = set(doc["unused"])
    return unused, [hotspot_key(h) for h in doc["reject_hotspots"]]


def score(truth: dict, scope: str, doc: dict, top: int = 5) -> dict:
    t_unused, t_hot = truth_for(truth, scope)
    a_unused, a_hot = answer_of(doc)
    hit = len(t_unused & a_unused)
    return {
        "precision": round(hit / len(a_unused), 4) if a_unused else (1.0 if not t_unused else 0.0),
        "recall": round(hit / len(t_unused), 4) if t_unused else 1.0,
        "unused_true": len(t_unused),
        "unused_reported": len(a_unused),
        "false_unused": sorted(a_unused - t_unused),
        "missed_unused": sorted(t_unused - a_unused),
        "top5": len(set(t_hot[:top]) & set(a_hot[:top])),
    }


def main() -> None:
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        truth = json.load(f)
    with open(sys.argv[3], encoding="utf-8") as f:
        doc = json.load(f)
    print(json.dumps(score(truth, sys.argv[2], doc)))


if __name__ == "__main__":
    main()
