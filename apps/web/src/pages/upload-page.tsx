// Registers a new model version: name, .onnx file and optional metadata, uploaded with a progress bar.

import type { PushMetadata, Task } from '@modelgarden/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, toApiError } from '../api/api-error';
import { queryKeys } from '../api/queries';
import { uploadModelVersion } from '../api/upload';
import { Button } from '../components/button';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { FileDropZone } from '../components/file-drop-zone';
import { PageHeader } from '../components/page-header';
import { UploadProgress } from '../components/upload-progress';
import { parseList } from '../lib/list-field';
import { modelNameProblem } from '../lib/model-name';
import { taskLabels } from '../lib/task';

const inputClass =
  'mt-1 block w-full rounded-lg border-0 px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-emerald-600 focus:outline-none aria-invalid:ring-red-400';

function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string | null;
  children: ReactNode;
}) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs font-medium text-red-700" data-testid={`${id}-error`}>
          {error}
        </p>
      ) : (
        hint && (
          <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
            {hint}
          </p>
        )
      )}
    </div>
  );
}

function fileProblem(file: File | null): string | null {
  if (!file) return 'Choose the model file.';
  if (!file.name.toLowerCase().endsWith('.onnx')) return 'The model file must be an .onnx file.';
  return null;
}

export function UploadPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState(params.get('name') ?? '');
  const [file, setFile] = useState<File | null>(null);
  const [task, setTask] = useState<Task | ''>('');
  const [labels, setLabels] = useState('');
  const [featureNames, setFeatureNames] = useState('');
  const [description, setDescription] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  const nameError = submitted || name ? modelNameProblem(name) : null;
  const fileError = submitted ? fileProblem(file) : file ? fileProblem(file) : null;
  const uploading = progress !== null;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitted(true);
    setError(null);
    if (modelNameProblem(name) || fileProblem(file) || !file) return;

    const metadata: PushMetadata = {};
    if (description.trim()) metadata.description = description.trim();
    if (task) metadata.task = task;
    const labelList = parseList(labels);
    if (labelList.length > 0) metadata.labels = labelList;
    const featureList = parseList(featureNames);
    if (featureList.length > 0) metadata.featureNames = featureList;

    const controller = new AbortController();
    abort.current = controller;
    setProgress(0);
    try {
      const version = await uploadModelVersion({
        name,
        file,
        metadata,
        onProgress: setProgress,
        signal: controller.signal,
      });
      await queryClient.invalidateQueries({ queryKey: queryKeys.models });
      navigate(`/models/${encodeURIComponent(version.model)}`);
    } catch (caught) {
      if (caught instanceof DOMException && caught.name === 'AbortError') return;
      setError(caught instanceof ApiError ? caught : toApiError(caught));
    } finally {
      setProgress(null);
      abort.current = null;
    }
  };

  return (
    <>
      <PageHeader
        title="Upload model"
        subtitle="Register an ONNX model. Uploading to an existing name adds a new version."
      />
      <Card className="max-w-3xl">
        <form onSubmit={onSubmit} noValidate className="space-y-5" aria-label="Upload model">
          {error && <ErrorAlert error={error} title="Upload failed" />}
          <Field
            id="model-name"
            label="Model name"
            hint="Lowercase letters, digits, '.', '_' and '-'; starts with a letter or digit."
            error={nameError}
          >
            <input
              id="model-name"
              name="name"
              value={name}
              onChange={(e) => setName(e.target.value.trim())}
              placeholder="iris"
              autoComplete="off"
              spellCheck={false}
              disabled={uploading}
              aria-invalid={nameError ? true : undefined}
              aria-describedby={nameError ? 'model-name-error' : 'model-name-hint'}
              className={`${inputClass} font-mono`}
            />
          </Field>

          <Field id="model-file" label="Model file" error={fileError}>
            <div className="mt-1">
              <FileDropZone
                id="model-file"
                accept=".onnx"
                file={file}
                onFile={setFile}
                hint="An .onnx file exported from PyTorch, scikit-learn, TensorFlow or any other framework."
                invalid={Boolean(fileError)}
                describedBy={fileError ? 'model-file-error' : undefined}
                disabled={uploading}
              />
            </div>
          </Field>

          <div className="grid gap-5 sm:grid-cols-2">
            <Field id="model-task" label="Task" hint="Leave on auto-detect unless the guess is wrong.">
              <select
                id="model-task"
                value={task}
                onChange={(e) => setTask(e.target.value as Task | '')}
                disabled={uploading}
                className={inputClass}
              >
                <option value="">Auto-detect</option>
                {Object.entries(taskLabels).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              id="model-labels"
              label="Labels (optional)"
              hint="Class names in output order, comma-separated."
            >
              <input
                id="model-labels"
                value={labels}
                onChange={(e) => setLabels(e.target.value)}
                placeholder="setosa, versicolor, virginica"
                disabled={uploading}
                className={inputClass}
              />
            </Field>
          </div>

          <Field
            id="model-features"
            label="Feature names (optional)"
            hint="For tabular models: input columns in order, comma-separated. They become the try-it form."
          >
            <input
              id="model-features"
              value={featureNames}
              onChange={(e) => setFeatureNames(e.target.value)}
              placeholder="sepal_length, sepal_width, petal_length, petal_width"
              disabled={uploading}
              className={`${inputClass} font-mono`}
            />
          </Field>

          <Field id="model-description" label="Description (optional)">
            <textarea
              id="model-description"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              rows={3}
              placeholder="What the model does and what it was trained on."
              disabled={uploading}
              className={inputClass}
            />
          </Field>

          {uploading && <UploadProgress fraction={progress} />}

          <div className="flex items-center gap-3 border-t border-slate-100 pt-5">
            <Button type="submit" disabled={uploading} data-testid="upload-submit">
              {uploading ? 'Uploading…' : 'Upload'}
            </Button>
            {uploading ? (
              <Button variant="ghost" onClick={() => abort.current?.abort()}>
                Cancel
              </Button>
            ) : (
              <Link to="/" className="text-sm font-medium text-slate-600 hover:text-slate-900">
                Cancel
              </Link>
            )}
          </div>
        </form>
      </Card>
    </>
  );
}
