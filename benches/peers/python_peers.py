"""The Python peers of benches/compare.sh: json.loads + a compiled validator per line, on one
thread, against the committed tolerant response schema.

    python benches/peers/python_peers.py jsonschema|fastjsonschema SCHEMA.json RESPONSES.ndjson

- jsonschema: Draft202012Validator with its format checker (formats on, as in the validator).
- fastjsonschema: draft 7 (its newest draft), which every keyword of the schema belongs to;
  it checks the `date-time` format itself.
"""

import json
import sys


def compile_jsonschema(schema):
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return validator.is_valid


def compile_fastjsonschema(schema):
    import fastjsonschema

    schema = dict(schema, **{"$schema": "http://json-schema.org/draft-07/schema#"})
    validate = fastjsonschema.compile(schema)

    def is_valid(value):
        try:
            validate(value)
            return True
        except fastjsonschema.JsonSchemaException:
            return False

    return is_valid


def main():
    peer, schema_path, data_path = sys.argv[1:]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    is_valid = {"jsonschema": compile_jsonschema, "fastjsonschema": compile_fastjsonschema}[peer](
        schema
    )
    lines = passed = 0
    with open(data_path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            lines += 1
            try:
                value = json.loads(line)
            except ValueError:
                continue
            passed += is_valid(value)
    print(f"{lines} lines, {passed} passed")


if __name__ == "__main__":
    main()
