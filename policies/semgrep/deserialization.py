# Examples for deserialization.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import base64
import json
import marshal
import pickle

import ruamel.yaml
import yaml
from ruamel.yaml import YAML
from fastapi import FastAPI, Request, UploadFile
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()


@app.post("/import")
def import_cart():
    # ruleid: gate.pickle-request-data
    cart = pickle.loads(request.data)
    return {"items": len(cart)}


@app.post("/import-b64")
def import_cart_b64():
    raw = base64.b64decode(request.form["cart"])
    # ruleid: gate.pickle-request-data
    return {"items": len(pickle.loads(raw))}


@api.post("/upload")
async def upload(file: UploadFile):
    content = await file.read()
    # ruleid: gate.pickle-request-data
    return {"rows": len(pickle.loads(content))}


@api.post("/raw")
async def raw(req: Request):
    body = await req.body()
    # ruleid: gate.pickle-request-data
    return {"keys": list(marshal.loads(body))}


@app.post("/json")
def import_json():
    # ok: gate.pickle-request-data
    cart = json.loads(request.data)
    return {"items": len(cart)}


def load_cache(path: str):
    with open(path, "rb") as handle:
        # ok: gate.pickle-request-data
        return pickle.load(handle)


def read_config(text: str):
    # ruleid: gate.yaml-unsafe-load
    return yaml.load(text)


def read_config_full(text: str):
    # ruleid: gate.yaml-unsafe-load
    return yaml.load(text, Loader=yaml.Loader)


def read_config_safe(text: str):
    # ok: gate.yaml-unsafe-load
    return yaml.load(text, Loader=yaml.SafeLoader)


def read_config_safe_load(text: str):
    # ok: gate.yaml-unsafe-load
    return yaml.safe_load(text)


def ruamel_round_trip(text: str) -> dict:
    yaml = YAML()  # ruamel's round-trip loader builds no Python objects
    # ok: gate.yaml-unsafe-load
    return yaml.load(text)


def ruamel_named_yaml(text: str) -> dict:
    yaml = ruamel.yaml.YAML(typ="safe")
    # ok: gate.yaml-unsafe-load
    return yaml.load(text)
