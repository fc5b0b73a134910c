# Examples for errors.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import logging
import traceback

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from flask import Flask, jsonify
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)
api = FastAPI()
app = Flask(__name__)


@api.get("/orders/{order_id}")
def get_order(order_id: int):
    try:
        return load(order_id)
    except Exception as e:
        # ruleid: gate.exception-details-in-response
        return {"error": str(e)}


@api.post("/orders")
def create_order(body: dict):
    try:
        return save(body)
    except SQLAlchemyError as exc:
        # ruleid: gate.exception-details-in-response
        raise HTTPException(status_code=500, detail=str(exc))


@app.route("/report")
def report():
    try:
        return build_report()
    except Exception:
        # ruleid: gate.exception-details-in-response
        return jsonify(error="report failed", trace=traceback.format_exc()), 500


@app.route("/export")
def export():
    try:
        return build_report()
    except (OSError, Exception) as err:
        # ruleid: gate.exception-details-in-response
        return {"error": f"export failed: {err}"}, 500


@api.exception_handler(Exception)
async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    # ruleid: gate.exception-details-in-response
    return JSONResponse(status_code=500, content={"detail": repr(exc)})


@api.get("/safe/{order_id}")
def get_order_safely(order_id: int):
    try:
        return load(order_id)
    except Exception:
        logger.exception("loading order %s failed", order_id)
        # ok: gate.exception-details-in-response
        return {"detail": "Internal server error"}


@api.get("/parse")
def parse(value: str):
    try:
        return {"value": int(value)}
    except ValueError as e:
        # ok: gate.exception-details-in-response
        raise HTTPException(status_code=422, detail=str(e))


def log_failure(job):
    try:
        job.run()
    except Exception as e:
        # ok: gate.exception-details-in-response
        logger.error("job failed: %s", str(e))
        return None


@api.exception_handler(Exception)
async def unexpected_ok(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error", exc_info=exc)
    # ok: gate.exception-details-in-response
    return JSONResponse(status_code=500, content={"detail": "Internal server error"})


@app.route("/reports/<int:report_id>")
def debug_only(report_id: int):
    try:
        return build_report()
    except Exception as e:
        logger.exception("report failed")
        if app.debug:
            # ok: gate.exception-details-in-response
            return {"error": str(e), "trace": traceback.format_exc()}, 500
        return {"error": "Internal server error"}, 500


@app.route("/exports/<int:export_id>")
def leaky(export_id: int):
    try:
        return build_report()
    except Exception as e:
        # ruleid: gate.exception-details-in-response
        return {"error": str(e)}, 500


def load(order_id):
    return {"id": order_id}


def save(body):
    return body


def build_report():
    return {}
