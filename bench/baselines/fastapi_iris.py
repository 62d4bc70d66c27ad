"""The course's back-end pattern, as the baseline: FastAPI + uvicorn (one worker) serving a
scikit-learn iris classifier over JSON, validated by pydantic.

POST /api/models/iris/predict {"inputs": {"sepal_length": .., "sepal_width": .., "petal_length": ..,
"petal_width": ..}} -> {"label": .., "probabilities": {label: p}} (the same body Model Garden takes).
Run with Debian's Python:  /usr/bin/python3 bench/baselines/fastapi_iris.py PORT
"""

import sys

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

iris = load_iris()
model = LogisticRegression(max_iter=1000).fit(iris.data, iris.target)
LABELS = [str(n) for n in iris.target_names]


class Features(BaseModel):
    sepal_length: float
    sepal_width: float
    petal_length: float
    petal_width: float


class PredictRequest(BaseModel):
    inputs: Features


app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/api/models/iris/predict")
def predict(req: PredictRequest):
    f = req.inputs
    probs = model.predict_proba([[f.sepal_length, f.sepal_width, f.petal_length, f.petal_width]])[0]
    best = int(probs.argmax())
    return {"label": LABELS[best], "probabilities": dict(zip(LABELS, map(float, probs)))}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, log_level="warning", access_log=False)
