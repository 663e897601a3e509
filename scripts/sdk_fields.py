"""Every field of the official SDKs' response models, checked in the answers the SDK scenario got.

The SDKs parse leniently: a field the server leaves out comes back None, and a field of the wrong type
(an int sent as text, a bool as "true", a list as an object) is handed over as it came. A user's script
reading it breaks silently, so the scenario checks each answer against the pinned SDK's own model of it.

`record(client, models)` wraps a client's `call_api` (the SDK itself is unchanged) so that every
successful answer is kept with its action. `check_all()` then walks, for each action answered, the
response model's fields recursively (wire names from the models' `to_map()`, types from their declared
annotations) and says, per action, whether every field came back with its declared type and a value.

A field polarshare leaves out (or sends empty) on purpose is listed, with why, in docs/openapi.md's
table "Response fields polarshare does not fill"; that table is read here, so the two can't drift: a
field missing and not in it fails, and a field in it that every answer filled fails too (the table is
stale). A list whose items never came back (always empty) counts as unchecked: its item fields need an
entry (the list itself, `Tags`, excuses them all) or an answer with items.
"""

import pathlib
import re
import sys
import typing

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs" / "openapi.md"
TABLE_HEADING = "## Response fields polarshare does not fill"

RECORDED = []  # (models module, action, raw JSON body)


def record(client, models):
    """Keeps each successful answer `client` gets, with its action, for `check_all`."""
    call_api = client.call_api

    def recording(params, request, runtime):
        answer = call_api(params, request, runtime)
        RECORDED.append((models, params.action, answer.get("body")))
        return answer

    client.call_api = recording
    return client


class _Probe:
    """Stands in for one field's value so that `to_map()` shows which wire key it is written under."""

    def to_map(self):
        return self

    def __iter__(self):
        return iter([self])

    def items(self):
        return [("k", self)]


def _holds(value, probe):
    if value is probe:
        return True
    if isinstance(value, list):
        return any(_holds(v, probe) for v in value)
    if isinstance(value, dict):
        return any(_holds(v, probe) for v in value.values())
    return False


def model_fields(cls):
    """[(attribute, wire key, declared type)] of an SDK model class."""
    module = sys.modules[cls.__module__]
    hints = typing.get_type_hints(cls.__init__, globalns=vars(module))
    out = []
    for attribute, hint in hints.items():
        if attribute == "return":
            continue
        probe, instance = _Probe(), cls()
        setattr(instance, attribute, probe)
        keys = [k for k, v in instance.to_map().items() if _holds(v, probe)]
        if len(keys) != 1:
            raise RuntimeError(f"{cls.__name__}.{attribute}: no single wire key ({keys})")
        out.append((attribute, keys[0], hint))
    return out


def _is_model(t):
    return isinstance(t, type) and hasattr(t, "from_map") and hasattr(t, "to_map")


def _scalar_ok(value, t):
    if t is bool:
        return isinstance(value, bool)
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if t is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t is str:
        return isinstance(value, str)
    if t is typing.Any:
        return True
    return isinstance(value, t)


def _type_name(t):
    return getattr(t, "__name__", None) or str(t).replace("typing.", "")


class Findings:
    """What the answers of one action held, per field path (`Items.Backup[].BackupId`)."""

    def __init__(self):
        self.answers = 0
        self.seen = {}  # path -> number of answers (or list items) where the field was walked
        self.filled = {}  # path -> times it came back with a value
        self.missing = {}  # path -> times it came back None or absent
        self.empty = {}  # path -> times it came back ""
        self.wrong = {}  # path -> a description of a value of the wrong type
        self.order = []  # paths in model order
        self.model_lists = set()  # paths of lists of models, whose items' fields are judged

    def _count(self, table, path):
        table[path] = table.get(path, 0) + 1

    def note(self, path):
        if path not in self.seen:
            self.order.append(path)
            self.seen[path] = 0
        self.seen[path] += 1


def _walk(raw, cls, prefix, found):
    for _attribute, key, hint in model_fields(cls):
        path = f"{prefix}{key}"
        found.note(path)
        value = raw.get(key) if isinstance(raw, dict) else None
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is None and _is_model(hint):
            _declare(hint, path + ".", found)
        elif origin is list and args and _is_model(args[0]):
            _declare(args[0], path + "[].", found)
        if value is None:
            found._count(found.missing, path)
            continue
        if origin is list:
            if not isinstance(value, list):
                found.wrong[path] = f"a {type(value).__name__} where the model has a list"
                continue
            item = args[0] if args else typing.Any
            # An empty list says nothing of its items: their fields are judged (as never answered) instead.
            found._count(found.filled if value else found.empty, path)
            if _is_model(item):
                found.model_lists.add(path)
            for v in value:
                if _is_model(item):
                    if isinstance(v, dict):
                        _walk(v, item, path + "[].", found)
                    else:
                        found.wrong[path + "[]"] = f"a {type(v).__name__} where the model has {item.__name__}"
                elif not _scalar_ok(v, item):
                    found.wrong[path + "[]"] = f"{v!r} where the model has {_type_name(item)}"
        elif origin is dict:
            if isinstance(value, dict):
                found._count(found.filled, path)
            else:
                found.wrong[path] = f"a {type(value).__name__} where the model has an object"
        elif _is_model(hint):
            if isinstance(value, dict):
                found._count(found.filled, path)
                _walk(value, hint, path + ".", found)
            else:
                found.wrong[path] = f"a {type(value).__name__} where the model has {hint.__name__}"
        elif not _scalar_ok(value, hint):
            found.wrong[path] = f"{value!r} ({type(value).__name__}) where the model has {_type_name(hint)}"
        elif value == "":
            found._count(found.empty, path)
        else:
            found._count(found.filled, path)


def _declare(cls, prefix, found):
    """Lists a nested model's fields (in order) even when no answer had one, so they show as unchecked."""
    for _attribute, key, hint in model_fields(cls):
        path = f"{prefix}{key}"
        if path not in found.seen:
            found.order.append(path)
            found.seen[path] = 0
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is None and _is_model(hint):
            _declare(hint, path + ".", found)
        elif origin is list and args and _is_model(args[0]):
            _declare(args[0], path + "[].", found)


def excused_fields(text=None):
    """{(action, path): why} from docs/openapi.md's table; action "*" is every action. In a fields cell, a
    name ending in "." (`Items.DBCluster[].`) is the prefix of the names after it."""
    text = DOCS.read_text() if text is None else text
    if TABLE_HEADING not in text:
        raise RuntimeError(f"{DOCS} has no section {TABLE_HEADING!r}")
    section = text.split(TABLE_HEADING, 1)[1].split("\n## ", 1)[0]
    excused = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 3 or cells[0] in ("action", "") or set(cells[0]) <= set("-: "):
            continue
        actions = [a.strip() for a in cells[0].split(",")]
        prefix = ""
        for name in re.findall(r"`([^`]+)`", cells[1]):
            if name.endswith("."):
                prefix = name
                continue
            for action in actions:
                excused[(action, prefix + name)] = cells[2]
    return excused


def _excuse(excused, action, path):
    """The table's reason for this field, or for the field or list it is part of."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        head = ".".join(parts[:n])
        for candidate in (head, head.removesuffix("[]")):
            for who in (action, "*"):
                if (who, candidate) in excused:
                    return candidate, excused[(who, candidate)]
    return None


def check_all(check, recorded=None, excused=None):
    """One `check(name, ok, detail)` per action answered, each followed by what it checked."""
    recorded = RECORDED if recorded is None else recorded
    excused = excused_fields() if excused is None else excused
    by_action = {}
    for models, action, body in recorded:
        found = by_action.setdefault(action, (models, Findings()))[1]
        found.answers += 1
        _walk(body if isinstance(body, dict) else {}, getattr(models, f"{action}ResponseBody"), "", found)
    for action, (models, found) in by_action.items():
        gaps, checked, skipped = [], [], {}
        for path in found.order:
            if path in found.wrong:
                gaps.append(f"{path}: {found.wrong[path]}")
                continue
            filled, missing, empty = found.filled.get(path, 0), found.missing.get(path, 0), found.empty.get(path, 0)
            excuse = _excuse(excused, action, path)
            if excuse:
                if excuse[0] == path and found.seen[path] and filled == found.seen[path]:
                    gaps.append(f"{path}: docs/openapi.md says it is not filled, but every answer filled it (stale entry)")
                elif excuse[0] == path:
                    skipped.setdefault(excuse[1], []).append(f"{path} ({filled}/{found.seen[path]})")
                continue
            checked.append(path)
            if found.seen[path] == 0:
                gaps.append(f"{path}: never answered (its list always came back empty)")
            elif missing:
                gaps.append(f"{path}: missing in {missing} of {found.seen[path]}")
            elif empty and path not in found.model_lists:
                gaps.append(f"{path}: empty in {empty} of {found.seen[path]}")
        check(f"fields: {action} answers every field of {action}ResponseBody with its declared type", not gaps, "; ".join(gaps))
        print(f"     {len(checked)} fields checked over {found.answers} answers: {', '.join(checked)}")
        for why, paths in skipped.items():
            print(f"     not filled (filled/answered), docs/openapi.md: {why}: {', '.join(paths)}")
