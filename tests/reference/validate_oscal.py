"""Validates OSCAL assessment-results JSON files against NIST's OSCAL model.

Usage: python validate_oscal.py FILE...

Uses the pydantic models of compliance-trestle (generated from NIST's OSCAL JSON schemas, OSCAL
1.2.1 in trestle 5.2.0): `pip install compliance-trestle==5.2.0`. Works offline. Prints one line
per file and exits 1 when any file does not validate.
"""

import json
import sys

from trestle.oscal import OSCAL_VERSION
from trestle.oscal.assessment_results import Model


def main(paths):
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        try:
            Model.model_validate(document, strict=False)
        except Exception as error:  # pydantic.ValidationError, and anything else a model raises
            failed += 1
            print(f"{path}: not valid OSCAL {OSCAL_VERSION} assessment results:\n{error}")
            continue
        print(f"{path}: valid OSCAL {OSCAL_VERSION} assessment results")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
