"""Pages of the shared web layer: staff log in and out, the front door, the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import text

from helpdesk.core.extensions import db
from helpdesk.core.jobs import redis_connection
from helpdesk.web.auth import authenticate, safe_next
from helpdesk.web.forms import LoginForm

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    return redirect(url_for("intake.contact"))


@bp.route("/agent/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("tickets.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("tickets.queue"))
        flash(_("Wrong e-mail or password."), "error")
    return render_template("agent/login.html", form=form)


@bp.post("/agent/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("web.login"))


@bp.get("/healthz")
def healthz():
    state = {"database": "ok"}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # report, don't raise: this is what the load balancer asks
        state["database"] = f"error: {type(exc).__name__}"
        healthy = False
    if current_app.config.get("REDIS_URL"):
        try:
            redis_connection().ping()
            state["redis"] = "ok"
        except Exception as exc:
            state["redis"] = f"error: {type(exc).__name__}"
            healthy = False
    state["status"] = "ok" if healthy else "degraded"
    return jsonify(state), 200 if healthy else 503
