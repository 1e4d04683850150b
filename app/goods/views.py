from flask import Blueprint

bp = Blueprint("goods", __name__)
