#!/usr/bin/env python3
"""Checks a validation run.py JSON report against the list of known disagreements.

Every case must agree with its label except those listed (each with AWS evidence) in the
disagreements file, and every listed case must still disagree (so the list stays true).
Prints 'N passed, M failed, K skipped' (K = listed disagreements) and exits 1 on any failure.
"""
import json
import sys

report_path, list_path = sys.argv[1], sys.argv[2]
with open(report_path, encoding="utf-8") as fh:
    report = json.load(fh)
listed = {}
with open(list_path, encoding="utf-8") as fh:
    for line in fh:
        line = line.strip()
        if line and not line.startswith("#"):
            case_id, _, why = line.partition(" ")
            listed[case_id] = why

passed = failed = skipped = 0
for result in report["results"]:
    case_id = result["id"]
    if case_id in listed:
        if result["pass"]:
            print(f"STALE {case_id}: listed as a disagreement but now agrees with its label")
            failed += 1
        else:
            skipped += 1
    elif result["pass"]:
        passed += 1
    else:
        print(f"MISMATCH {case_id}: expected {result['expected']}, got {result['got']}: {result['detail'][:300]}")
        failed += 1
m = report["matrix"]
print(f"confusion matrix: valid accepted {m['valid_accepted']}, valid rejected {m['valid_rejected']}, "
      f"invalid rejected {m['invalid_rejected']}, invalid accepted {m['invalid_accepted']}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
