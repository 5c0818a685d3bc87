#!/usr/bin/env python3
"""Checks a conformance run.py JUnit report against the checked-in lists of known failures
(usage: check_conformance.py REPORT LIST [LIST ...]).

Every case must pass except those listed (each with its reason), and every listed case must
still fail (so the list stays true). Prints 'N passed, M failed, K skipped' where K counts the
listed known failures plus the cases run.py skipped, and exits 1 on any unexpected result.
"""
import sys
import xml.etree.ElementTree as ET

report_path, list_paths = sys.argv[1], sys.argv[2:]
known = {}
for list_path in list_paths:
    with open(list_path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                case_id, _, why = line.partition("\t")
                known[case_id] = why

passed = failed = skipped = 0
for case in ET.parse(report_path).getroot().iter("testcase"):
    name = case.get("name")
    if case.find("skipped") is not None:
        skipped += 1
        continue
    ok = case.find("failure") is None
    if name in known:
        if ok:
            print(f"STALE {name}: listed as a known failure but now passes")
            failed += 1
        else:
            skipped += 1
    elif ok:
        passed += 1
    else:
        failure = case.find("failure")
        print(f"FAIL {name}: {failure.get('message') if failure is not None else ''}")
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
