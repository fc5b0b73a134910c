# Examples for web.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask
from flask_cors import CORS
from starlette.applications import Starlette

# ruleid: gate.debug-enabled
api = FastAPI(title="orders", debug=True)
# ok: gate.debug-enabled
quiet_api = FastAPI(title="orders", debug=os.environ.get("APP_DEBUG") == "1")
# ruleid: gate.debug-enabled
star = Starlette(debug=True)

# ruleid: gate.cors-wildcard-with-credentials
api.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"])
# ok: gate.cors-wildcard-with-credentials
api.add_middleware(CORSMiddleware, allow_origins=["https://shop.example.com"], allow_credentials=True)
# ok: gate.cors-wildcard-with-credentials
api.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False)
# ok: gate.cors-wildcard-with-credentials
api.add_middleware(CORSMiddleware, allow_origins=["*"])

flask_app = Flask(__name__)
# ruleid: gate.cors-wildcard-with-credentials
CORS(flask_app, supports_credentials=True)
# ok: gate.cors-wildcard-with-credentials
CORS(flask_app, origins=["https://shop.example.com"], supports_credentials=True)
# ok: gate.cors-wildcard-with-credentials
CORS(flask_app)

# ruleid: gate.debug-enabled
flask_app.config["DEBUG"] = True
# ruleid: gate.debug-enabled
flask_app.debug = True
# ok: gate.debug-enabled
flask_app.debug = os.environ.get("FLASK_DEBUG") == "1"

class Parser:
    def enable_debug(self):
        # ok: gate.debug-enabled
        self.debug = True
        return self


# Django settings
# ruleid: gate.debug-enabled
DEBUG = True
# ok: gate.debug-enabled
TEMPLATE_DEBUG = False


class Config:
    # ok: gate.debug-enabled
    DEBUG = False


class DevelopmentConfig(Config):
    # ok: gate.debug-enabled
    DEBUG = True


class ProductionConfig(Config):
    # ruleid: gate.debug-enabled
    DEBUG = True

# ruleid: gate.cors-wildcard-with-credentials
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True

if __name__ == "__main__":
    # ruleid: gate.debug-enabled
    flask_app.run(host="127.0.0.1", debug=True)
    # ok: gate.debug-enabled
    flask_app.run(host="127.0.0.1")
