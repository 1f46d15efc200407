"""Calls to the sandbox API through Django's test client, shared by the sandbox tests."""

import json
from urllib.parse import urlencode


def post(client, path, fields, token="alice-token"):
    """POST a JSON body, with a Bearer token unless token is None."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(path, data=json.dumps(fields), content_type="application/json", **headers)


def post_form(client, path, pairs, token="alice-token"):
    """POST a form-encoded body built from (key, value) pairs, so keys may repeat."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        path, data=urlencode(pairs), content_type="application/x-www-form-urlencoded", **headers
    )


def decoded(response) -> dict:
    """The JSON answer of a call that the provider answers with HTTP 200."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def call(client, path, token="alice-token", **fields) -> dict:
    return decoded(post(client, path, fields, token))


def error(answer: dict) -> tuple[int, str]:
    """The code and type of an error answer, after checking its shape."""
    assert list(answer) == ["error"]
    assert set(answer["error"]) == {"code", "type", "message"}
    assert isinstance(answer["error"]["message"], str) and answer["error"]["message"]
    return answer["error"]["code"], answer["error"]["type"]


def add_group(client, name, token="alice-token") -> int:
    answer = call(client, "/sandbox/api/groups/add.json", token, name=name)
    assert answer == {"success": True, "id": answer["id"]}
    return answer["id"]


def add_contact(client, phone="500600700", token="alice-token", **fields) -> int:
    answer = call(client, "/sandbox/api/contacts/add.json", token, phone=phone, **fields)
    assert answer == {"success": True, "id": answer["id"]}
    return answer["id"]
