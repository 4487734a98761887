"""IMS/1EdTech QTI 3.0 and 2.1 items in an IMS content package: a writer and a reader.

Written from the QTI 2.1 and 3.0 information models: `choiceInteraction` (single and multiple;
true/false is two choices, `true` and `false`), `textEntryInteraction` (text, and numbers with
baseType float), `matchInteraction` (two `simpleMatchSet`s, directedPair responses). Scoring
uses the standard response-processing templates: `match_correct` for a single choice,
`map_response` for multiple choice (+1/n per right option, -1/n per wrong one, lowerBound 0:
our score exactly), text (each accepted answer maps to 1, case-insensitive) and matching (1/n
per right pair). A number with a tolerance needs an `equal` with toleranceMode="absolute",
which no template has, so numeric items carry that one rule as explicit response processing.
The explanation is a modalFeedback, per-option feedback a feedbackInline in its choice.

QTI 3.0 uses the same model with kebab-case `qti-` names (qti-choice-interaction,
response-identifier); `_v3()` renames a 2.1 tree.

What QTI cannot hold (the Markdown we wrote, the lesson pointer, level, lenient matching...) is
our extension: a `<coursework>` element in the resource's `<metadata>` in imsmanifest.xml,
holding JSON. The objective is there too.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, register_namespace, tostring
from xml.sax.saxutils import escape as escape_xml

from authoring.bank import inline_html
from courses.rendering import render
from interchange.common import (
    EXTENSION_NAME,
    Exported,
    ExportRefused,
    Imported,
    InterchangeError,
    apply_extension,
    default_option_key,
    extension,
    extension_json,
    losses,
    multiple_weights,
    number_text,
    parse_extension,
    parse_number,
    shape,
    type_name,
)
from interchange.html_text import html_to_markdown
from interchange.safexml import parse_xml, read_zip
from quizzes.questiontypes import Shape, shape_of

V21 = {
    "ns": "http://www.imsglobal.org/xsd/imsqti_v2p1",
    "schema": "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1p1.xsd",
    "rp": "http://www.imsglobal.org/question/qti_v2p1/rptemplates/",
    "rp_suffix": "",
    "resource_type": "imsqti_item_xmlv2p1",
    "label": "QTI 2.1",
}
V3 = {
    "ns": "http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
    "schema": "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0p1_v1p0.xsd",
    "rp": "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/",
    "rp_suffix": ".xml",
    "resource_type": "imsqti_item_xmlv3p0",
    "label": "QTI 3.0",
}
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EXT_NS = "urn:coursework:interchange"
# QTI elements (not XHTML) that QTI 3 renames to qti-kebab-case.
QTI_ELEMENTS = {
    "assessmentItem", "responseDeclaration", "correctResponse", "value", "mapping",
    "mapEntry", "outcomeDeclaration", "defaultValue", "itemBody", "prompt",
    "choiceInteraction", "simpleChoice", "feedbackInline", "textEntryInteraction",
    "matchInteraction", "simpleMatchSet", "simpleAssociableChoice", "responseProcessing",
    "responseCondition", "responseIf", "responseElse", "equal", "variable", "correct",
    "setOutcomeValue", "baseValue", "modalFeedback", "contentBody",
}  # fmt: skip

SINGLE, MULTIPLE = "single", "multiple"  # QTI cardinalities (its words, not our types)


XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()


# --- writing ------------------------------------------------------------------------------------


def _html_into(parent: Element, html_text: str) -> None:
    """Sanitised HTML as XHTML children of `parent` (text if it is not well-formed XML)."""
    xhtml = re.sub(r"<(br|hr|img|col|wbr)(\s[^>]*)?(?<!/)>", r"<\1\2/>", html_text)
    # HTML's named entities (&nbsp;...) are not XML's: write their characters instead.
    xhtml = re.sub(
        r"&([A-Za-z][A-Za-z0-9]*);",
        lambda m: m[0] if m[1] in XML_ENTITIES else escape_xml(html.unescape(m[0])),
        xhtml,
    )
    try:
        wrapper = parse_xml(f"<div>{xhtml}</div>".encode(), "html")
    except InterchangeError:
        SubElement(parent, "p").text = re.sub(r"<[^>]+>", "", html_text)
        return
    parent.text = (parent.text or "") + (wrapper.text or "")
    for child in wrapper:
        parent.append(child)


def _block(parent: Element, tag: str, markdown: str, **attrs: str) -> Element:
    element = SubElement(parent, tag, dict(attrs))
    _html_into(element, render(markdown).html)
    return element


def _inline(parent: Element, tag: str, markdown: str, **attrs: str) -> Element:
    element = SubElement(parent, tag, dict(attrs))
    _html_into(element, inline_html(markdown))
    return element


def _value(parent: Element, text: str, **attrs: str) -> None:
    SubElement(parent, "value", dict(attrs)).text = text


def _outcomes(item: Element) -> None:
    score = SubElement(item, "outcomeDeclaration", identifier="SCORE", cardinality="single")
    score.set("baseType", "float")
    _value(SubElement(score, "defaultValue"), "0")
    max_score = SubElement(item, "outcomeDeclaration", identifier="MAXSCORE", cardinality="single")
    max_score.set("baseType", "float")
    _value(SubElement(max_score, "defaultValue"), "1")
    feedback = SubElement(item, "outcomeDeclaration", identifier="FEEDBACK")
    feedback.set("cardinality", SINGLE)
    feedback.set("baseType", "identifier")


def _mapping(
    declaration: Element, entries: list[tuple[str, str]], *, case_sensitive: bool = True
) -> None:
    mapping = SubElement(declaration, "mapping", lowerBound="0", upperBound="1", defaultValue="0")
    for key, value in entries:
        SubElement(
            mapping,
            "mapEntry",
            mapKey=key,
            mappedValue=value,
            caseSensitive="true" if case_sensitive else "false",
        )


def _fraction_text(value: Any) -> str:
    return repr(float(value))


def build_item(item: dict[str, Any], version: dict[str, str]) -> tuple[Element, dict[str, str]]:
    """One assessmentItem (2.1 names) and the Markdown of its texts for our extension."""
    kind = shape(item)
    texts: dict[str, str] = {"prompt": item["prompt"], "explanation": item["explanation"]}
    root = Element("assessmentItem", identifier=item["key"], title=item["key"])
    root.set("adaptive", "false")
    root.set("timeDependent", "false")
    declaration = SubElement(root, "responseDeclaration", identifier="RESPONSE")
    body = Element("itemBody")
    template = "map_response"
    rp: Element | None = None
    if kind in (Shape.ONE_CHOICE, Shape.SEVERAL_CHOICES, Shape.TRUE_FALSE):
        options: list[dict[str, Any]]
        if kind is Shape.TRUE_FALSE:
            options = [
                {"key": "true", "text": "True", "correct": item["answer"] is True,
                 "feedback": item.get("feedback_true")},
                {"key": "false", "text": "False", "correct": item["answer"] is False,
                 "feedback": item.get("feedback_false")},
            ]  # fmt: skip
        else:
            options = [
                {**option, "key": option.get("key") or default_option_key(index)}
                for index, option in enumerate(item["options"])
            ]
        single = kind is not Shape.SEVERAL_CHOICES
        declaration.set("cardinality", SINGLE if single else MULTIPLE)
        declaration.set("baseType", "identifier")
        correct = SubElement(declaration, "correctResponse")
        for option in options:
            if option.get("correct") is True:
                _value(correct, option["key"])
        if single:
            template = "match_correct"
        else:
            right, wrong = multiple_weights(item, moodle=False)
            _mapping(
                declaration,
                [
                    (o["key"], _fraction_text(right if o.get("correct") is True else wrong))
                    for o in options
                ],
            )
        _block(body, "div", item["prompt"])
        interaction = SubElement(body, "choiceInteraction", responseIdentifier="RESPONSE")
        interaction.set("shuffle", "true" if kind is not Shape.TRUE_FALSE else "false")
        interaction.set("maxChoices", "1" if single else "0")
        for option in options:
            choice = _inline(
                interaction, "simpleChoice", str(option["text"]), identifier=option["key"]
            )
            if kind is not Shape.TRUE_FALSE:
                texts[f"choice:{option['key']}"] = str(option["text"])
            if option.get("feedback"):
                _inline(
                    choice, "feedbackInline", str(option["feedback"]),
                    outcomeIdentifier="FEEDBACK", identifier=option["key"], showHide="show",
                )  # fmt: skip
                texts[f"feedback:{option['key']}"] = str(option["feedback"])
    elif kind in (Shape.NUMBER, Shape.SHORT_TEXT):
        declaration.set("cardinality", SINGLE)
        correct = SubElement(declaration, "correctResponse")
        if kind is Shape.NUMBER:
            declaration.set("baseType", "float")
            _value(correct, number_text(item["answer"]))
            tolerance = number_text(item.get("tolerance", 0))
            rp = _numeric_processing(tolerance)
        else:
            declaration.set("baseType", "string")
            accepted = [str(answer).strip() for answer in item["accepted"]]
            _value(correct, accepted[0])
            _mapping(declaration, [(answer, "1") for answer in accepted], case_sensitive=False)
        _block(body, "div", item["prompt"])
        paragraph = SubElement(body, "p")
        entry = SubElement(paragraph, "textEntryInteraction", responseIdentifier="RESPONSE")
        entry.set("expectedLength", "20")
    elif kind is Shape.PAIRS:
        pairs = item["pairs"]
        rights: list[str] = []
        for text in [str(pair["right"]).strip() for pair in pairs] + [
            str(d).strip() for d in item.get("distractors", [])
        ]:
            if text not in rights:
                rights.append(text)
        declaration.set("cardinality", MULTIPLE)
        declaration.set("baseType", "directedPair")
        correct = SubElement(declaration, "correctResponse")
        share = 1 / len(pairs)
        entries = []
        for index, pair in enumerate(pairs, 1):
            right_id = f"R{rights.index(str(pair['right']).strip()) + 1}"
            _value(correct, f"L{index} {right_id}")
            entries.append((f"L{index} {right_id}", _fraction_text(share)))
        _mapping(declaration, entries)
        _block(body, "div", item["prompt"])
        interaction = SubElement(body, "matchInteraction", responseIdentifier="RESPONSE")
        interaction.set("shuffle", "true")
        interaction.set("maxAssociations", str(len(pairs)))
        lefts = SubElement(interaction, "simpleMatchSet")
        for index, pair in enumerate(pairs, 1):
            _inline(lefts, "simpleAssociableChoice", str(pair["left"]), identifier=f"L{index}",
                    matchMax="1")  # fmt: skip
            texts[f"left:L{index}"] = str(pair["left"])
        right_set = SubElement(interaction, "simpleMatchSet")
        for index, text in enumerate(rights, 1):
            _inline(right_set, "simpleAssociableChoice", text, identifier=f"R{index}",
                    matchMax=str(len(pairs)))  # fmt: skip
            texts[f"right:R{index}"] = text
        declaration.set("identifier", "RESPONSE")
    else:
        raise ExportRefused(f'question "{item["key"]}": QTI cannot hold type {item.get("type")}')
    _outcomes(root)
    root.append(body)
    if rp is None:
        rp = Element(
            "responseProcessing", template=version["rp"] + template + version["rp_suffix"]
        )
    root.append(rp)
    _block(root, "modalFeedback", item["explanation"], outcomeIdentifier="FEEDBACK",
           identifier="EXPLANATION", showHide="hide", title="Explanation")  # fmt: skip
    return root, texts


def _numeric_processing(tolerance: str) -> Element:
    rp = Element("responseProcessing")
    condition = SubElement(rp, "responseCondition")
    branch = SubElement(condition, "responseIf")
    equal = SubElement(
        branch, "equal", toleranceMode="absolute", tolerance=f"{tolerance} {tolerance}"
    )
    SubElement(equal, "variable", identifier="RESPONSE")
    SubElement(equal, "correct", identifier="RESPONSE")
    set_score = SubElement(branch, "setOutcomeValue", identifier="SCORE")
    SubElement(set_score, "baseValue", baseType="float").text = "1"
    otherwise = SubElement(
        SubElement(condition, "responseElse"), "setOutcomeValue", identifier="SCORE"
    )
    SubElement(otherwise, "baseValue", baseType="float").text = "0"
    return rp


def _v3(element: Element) -> None:
    """Rename a 2.1 tree to QTI 3.0's names, in place. QTI 3.0 also puts a modal feedback's
    content in a qti-content-body."""
    for feedback in [node for node in element.iter() if node.tag == "modalFeedback"]:
        content = Element("contentBody")
        content.text, feedback.text = feedback.text, None
        content[:] = list(feedback)
        feedback[:] = [content]
    for node in element.iter():
        if node.tag in QTI_ELEMENTS:
            node.tag = "qti-" + _kebab(node.tag)
        for name in list(node.attrib):
            if any(char.isupper() for char in name):
                node.attrib[_kebab(name)] = node.attrib.pop(name)


register_namespace("xsi", XSI)
register_namespace(EXTENSION_NAME, EXT_NS)


def _serialise(root: Element, namespace: str) -> bytes:
    """The document with `namespace` as its default one: its elements are built unqualified
    and the root declares it (ElementTree's default_namespace refuses unqualified
    attributes)."""
    root.set("xmlns", namespace)
    indent(root)
    return bytes(tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"


def write(course_slug: str, items: list[dict[str, Any]], *, version3: bool) -> Exported:
    version = V3 if version3 else V21
    manifest = Element("manifest", identifier=f"MANIFEST-{course_slug}")
    manifest.set(
        f"{{{XSI}}}schemaLocation", f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
    )
    metadata = SubElement(manifest, "metadata")
    SubElement(metadata, "schema").text = "QTI Package"
    SubElement(metadata, "schemaversion").text = "3.0.0" if version3 else "2.1"
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    files: list[tuple[str, bytes]] = []
    warnings: list[str] = []
    for item in items:
        root, texts = build_item(item, version)
        if version3:
            _v3(root)
        root.set(f"{{{XSI}}}schemaLocation", f"{version['ns']} {version['schema']}")
        href = f"items/{item['key']}.xml"
        files.append((href, _serialise(root, version["ns"])))
        resource = SubElement(
            resources, "resource", identifier=f"RES-{item['key']}",
            type=version["resource_type"], href=href,
        )  # fmt: skip
        ext = extension(item)
        ext.update(objective=item["objective"], type=item["type"], markdown=texts)
        meta = SubElement(resource, "metadata")
        SubElement(meta, f"{{{EXT_NS}}}{EXTENSION_NAME}").text = extension_json(ext)
        SubElement(resource, "file", href=href)
        warnings += losses(item, version["label"], extra=_qti_losses(item))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", _serialise(manifest, CP_NS))
        for name, content in files:
            archive.writestr(name, content)
    suffix = "qti3" if version3 else "qti21"
    return Exported(buffer.getvalue(), f"{course_slug}.{suffix}.zip", warnings)


def _qti_losses(item: dict[str, Any]) -> tuple[str, ...]:
    if shape(item) is Shape.TRUE_FALSE:
        return ("the true/false type (it is a choice of True and False)",)
    return ()


# --- reading ------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    """An element's name without namespace, in 2.1 camelCase (QTI 3's qti-names converted)."""
    name = tag.rsplit("}", 1)[-1]
    if name.startswith("qti-"):
        head, *rest = name[4:].split("-")
        name = head + "".join(part.capitalize() for part in rest)
    return name


def _attr(element: Element, name: str, default: str = "") -> str:
    return element.get(name, element.get(_kebab(name), default))


def _find_all(element: Element, name: str) -> list[Element]:
    return [node for node in element.iter() if _local(node.tag) == name]


def _find(element: Element, name: str) -> Element | None:
    found = _find_all(element, name)
    return found[0] if found else None


def _inner_html(element: Element, skip: tuple[str, ...] = ()) -> str:
    """The element's content as HTML text, without the QTI elements named in `skip`."""
    parts = [element.text or ""]
    for child in element:
        if _local(child.tag) not in skip:
            clone = Element(_local(child.tag), child.attrib)
            clone.text, clone[:] = child.text, list(child)
            for node in clone.iter():
                node.tag = _local(node.tag)
            parts.append(tostring(clone, encoding="unicode", short_empty_elements=True))
        parts.append(child.tail or "")
    return html_to_markdown("".join(parts))


def read(data: bytes, filename: str) -> Imported:
    """A zipped content package (imsmanifest.xml and its items) or one item's XML."""
    result = Imported()
    if data[:4] == b"PK\x03\x04":
        files = read_zip(data, filename)
        if "imsmanifest.xml" not in files:
            raise InterchangeError(f"{filename}: the zip has no imsmanifest.xml")
        manifest = parse_xml(files["imsmanifest.xml"], f"{filename}/imsmanifest.xml")
        for resource in _find_all(manifest, "resource"):
            href = resource.get("href", "")
            kind = resource.get("type", "")
            if "qti" not in kind or "item" not in kind:
                continue
            where = f"{filename}/{href}"
            if href not in files:
                raise InterchangeError(f"{where}: named in the manifest but not in the zip")
            ext: dict[str, Any] = {}
            for node in resource.iter(f"{{{EXT_NS}}}{EXTENSION_NAME}"):
                ext = parse_extension(node.text or "", where)
            _read_item(parse_xml(files[href], where), where, ext, result)
    else:
        _read_item(parse_xml(data, filename), filename, {}, result)
    return result


def _read_item(root: Element, where: str, ext: dict[str, Any], result: Imported) -> None:
    if _local(root.tag) != "assessmentItem":
        raise InterchangeError(f"{where}: not a QTI item (the root is <{_local(root.tag)}>)")
    identifier = root.get("identifier", "")
    where = f"{where} (item {identifier})"
    texts: dict[str, str] = ext.get("markdown") or {}
    body = _find(root, "itemBody")
    if body is None:
        raise InterchangeError(f"{where}: the item has no itemBody")
    interactions = [node for node in body.iter() if _local(node.tag).endswith("Interaction")]
    if len(interactions) != 1:
        names = ", ".join(sorted({_local(node.tag) for node in interactions})) or "none"
        result.refused.append(f"{where}: needs exactly one interaction (has {names})")
        return
    interaction = interactions[0]
    name = _local(interaction.tag)
    if name not in ("choiceInteraction", "textEntryInteraction", "matchInteraction"):
        result.refused.append(f"{where}: {name} cannot be graded here; not converted")
        return
    declaration = next(
        (d for d in _find_all(root, "responseDeclaration")
         if d.get("identifier") == _attr(interaction, "responseIdentifier")),
        None,
    )  # fmt: skip
    if declaration is None:
        raise InterchangeError(f"{where}: no responseDeclaration for the interaction")
    correct = [
        v.text or "" for v in _find_all(declaration, "value") if _in_correct(declaration, v)
    ]
    mapping = {
        _attr(entry, "mapKey"): float(parse_number(_attr(entry, "mappedValue", "0"), where))
        for entry in _find_all(declaration, "mapEntry")
    }
    prompt_parts = [
        _inner_html(child)
        for child in body
        if child is not interaction and interaction not in list(child.iter())
    ]
    prompt_element = _find(interaction, "prompt")
    if prompt_element is not None:
        prompt_parts.append(_inner_html(prompt_element))
    feedback = next(iter(_find_all(root, "modalFeedback")), None)
    if feedback is not None:  # QTI 3.0 holds the feedback's content in a qti-content-body
        content = _find(feedback, "contentBody")
        feedback = feedback if content is None else content
    item: dict[str, Any] = {
        "key": identifier,
        "prompt": texts.get("prompt") or "\n\n".join(p for p in prompt_parts if p),
        "explanation": texts.get("explanation")
        or (_inner_html(feedback) if feedback is not None else ""),
    }
    if name == "choiceInteraction":
        _read_choices(item, interaction, declaration, correct, mapping, texts, ext, where, result)
    elif name == "textEntryInteraction":
        base = _attr(declaration, "baseType")
        if base in ("float", "integer"):
            item["type"] = type_name(Shape.NUMBER)
            if not correct:
                raise InterchangeError(f"{where}: the numeric item has no correct response")
            item["answer"] = parse_number(correct[0], where)
            equal = _find(root, "equal")
            if equal is not None and _attr(equal, "toleranceMode") == "absolute":
                tolerance = parse_number((_attr(equal, "tolerance").split() or ["0"])[0], where)
                if tolerance:
                    item["tolerance"] = tolerance
        else:
            item["type"] = type_name(Shape.SHORT_TEXT)
            accepted = [key for key, value in mapping.items() if value >= 1] or correct
            if not accepted:
                raise InterchangeError(f"{where}: the text item has no correct response")
            item["accepted"] = accepted
    else:
        sets = _find_all(interaction, "simpleMatchSet")
        if len(sets) != 2:
            raise InterchangeError(f"{where}: a matchInteraction needs two simpleMatchSets")
        lefts = {c.get("identifier", ""): c for c in _find_all(sets[0], "simpleAssociableChoice")}
        rights = {c.get("identifier", ""): c for c in _find_all(sets[1], "simpleAssociableChoice")}

        def text_of(prefix: str, ident: str, element: Element) -> str:
            return texts.get(f"{prefix}:{ident}") or _inner_html(element)

        pairs, used = [], set()
        for value in correct:
            left_id, _, right_id = value.partition(" ")
            if left_id not in lefts or right_id not in rights:
                raise InterchangeError(f"{where}: the correct pair {value!r} names no choice")
            pairs.append(
                {"left": text_of("left", left_id, lefts[left_id]),
                 "right": text_of("right", right_id, rights[right_id])}
            )  # fmt: skip
            used.add(right_id)
        item["type"] = type_name(Shape.PAIRS)
        item["pairs"] = pairs
        distractors = [text_of("right", r, e) for r, e in rights.items() if r not in used]
        if distractors:
            item["distractors"] = distractors
    apply_extension(item, ext)
    result.add(item, ext.get("objective"))


def _in_correct(declaration: Element, value: Element) -> bool:
    return any(value in list(node) for node in _find_all(declaration, "correctResponse"))


def _read_choices(
    item: dict[str, Any],
    interaction: Element,
    declaration: Element,
    correct: list[str],
    mapping: dict[str, float],
    texts: dict[str, str],
    ext: dict[str, Any],
    where: str,
    result: Imported,
) -> None:
    choices = _find_all(interaction, "simpleChoice")
    ids = [c.get("identifier", "") for c in choices]
    right = set(correct) or {key for key, value in mapping.items() if value > 0}
    labels = [_inner_html(c, skip=("feedbackInline",)) for c in choices]
    feedback = {}
    for choice in choices:
        inline = _find(choice, "feedbackInline")
        if inline is not None:
            key = choice.get("identifier", "")
            feedback[key] = texts.get(f"feedback:{key}") or _inner_html(inline)
    two = sorted(label.strip().lower() for label in labels) == ["false", "true"]
    if shape_of(ext.get("type")) is Shape.TRUE_FALSE or (
        two and _attr(declaration, "cardinality") == SINGLE
    ):
        by_label = {label.strip().lower(): ident for label, ident in zip(labels, ids, strict=True)}
        item["type"] = type_name(Shape.TRUE_FALSE)
        item["answer"] = by_label.get("true") in right
        for word in ("true", "false"):
            if by_label.get(word) in feedback:
                item[f"feedback_{word}"] = feedback[by_label[word]]
        return
    multiple = _attr(declaration, "cardinality") == MULTIPLE
    options = []
    for ident, label in zip(ids, labels, strict=True):
        option: dict[str, Any] = {"key": ident, "text": texts.get(f"choice:{ident}") or label}
        if ident in right:
            option["correct"] = True
        if ident in feedback:
            option["feedback"] = feedback[ident]
        options.append(option)
    item["type"] = type_name(Shape.SEVERAL_CHOICES if multiple else Shape.ONE_CHOICE)
    item["options"] = options
    if all(option["key"] == default_option_key(i) for i, option in enumerate(options)):
        for option in options:
            del option["key"]
    if multiple and mapping:
        weights = {mapping.get(ident, 0.0) for ident in ids if ident in right}
        if len(weights) > 1:
            result.warnings.append(
                f"{where}: unequal weights become equal credit per right option"
            )
